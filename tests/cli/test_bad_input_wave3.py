"""The last silent and misleading cases, one row each: setup, command, expected exit code,
a phrase the message must contain, and the source database byte-identical afterwards.
Every case is refused before any training (the checks that can run first, run first)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tests.fixtures.cli import assert_refused, digest, run
from tests.fixtures.shops import TASK_FILE, shop_file, task_file

CONSTANT = TASK_FILE.replace("CASE WHEN COUNT(o.id) > 0 THEN 1 ELSE 0 END AS y", "0 AS y")
SMALL = ["--epochs", "1", "--no-text", "--no-baselines", "--max-steps-per-epoch", "1"]


def _truncated_model(tmp: Path) -> list:
    (tmp / "run").mkdir()
    (tmp / "run" / "model.pt").write_bytes(b"PK\x03\x04 truncated")
    return [
        "predict",
        "--model",
        tmp / "run",
        "--db",
        shop_file(tmp),
        "--at",
        "2021-01-01",
        "--out",
        tmp / "p.parquet",
    ]


def _not_a_checkpoint(tmp: Path) -> list:
    import torch

    (tmp / "run").mkdir()
    torch.save({"weights": 1}, tmp / "run" / "model.pt")
    return [
        "predict",
        "--model",
        tmp / "run",
        "--db",
        shop_file(tmp),
        "--at",
        "2021-01-01",
        "--out",
        tmp / "p.parquet",
    ]


CASES = {
    # usage errors are typer's: usage text and exit 2
    "typo in the command": (lambda t: ["trian"], 2, "No such command 'trian'"),
    "inspect without a URL": (lambda t: ["inspect"], 2, "Missing argument"),
    # a bad strftime directive names the directive
    "time format %Q": (
        lambda t: ["inspect", shop_file(t), "--time-format", "orders.created_at=%Y-%Q"],
        1,
        "unknown strftime directive",
    ),
    # a device this machine cannot use is refused before the database is read
    "cuda without a GPU": (
        lambda t: [
            "train",
            "--db",
            t / "missing.duckdb",
            "--task",
            f"{task_file(t)}:WillOrder",
            "--device",
            "cuda",
            *SMALL,
        ],
        1,
        "sees no CUDA GPU",
    ),
    # a label constant in a split fails before training, naming the split
    "constant label": (
        lambda t: [
            "train",
            "--db",
            shop_file(t),
            "--task",
            f"{task_file(t, CONSTANT)}:WillOrder",
            *SMALL,
        ],
        1,
        "every train label is 0",
    ),
    # a truncated or foreign model.pt names the file and the fix
    "truncated model.pt": (_truncated_model, 1, "cannot be read as a trained model"),
    "not a checkpoint": (_not_a_checkpoint, 1, "is not an rdl checkpoint"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_with_the_right_message(case, tmp_path):
    setup, code, phrase = CASES[case]
    args = setup(tmp_path)
    sources = [Path(a) for a in args if str(a).endswith(".sqlite") and Path(a).exists()]
    before = [digest(s) for s in sources]
    result = run(*args)
    assert result.exit_code == code, result.output
    if code == 2:  # typer's usage text, never "a bug in rdl"
        assert phrase in result.output and "bug in rdl" not in result.output
        return
    para = assert_refused(result, phrase, sources=tuple(sources), digests=tuple(before))
    assert "bug in rdl" not in para


def test_control_the_unrefused_command_runs(tmp_path):
    result = run(
        "train", "--db", shop_file(tmp_path), "--task", f"{task_file(tmp_path)}:WillOrder", *SMALL
    )
    assert result.exit_code == 0, result.output


def test_an_os_error_names_the_path_and_the_errno():
    from rdl.cli.errors import error_message

    text = error_message(OSError(errno.ENOSPC, "No space left on device", "/data/p.parquet"))
    assert "[ENOSPC]" in text and "/data/p.parquet" in text and "--out" in text
    assert "bug in rdl" not in text
    wrapped = error_message(OSError("IOError: No space left on device"))  # pyarrow's form
    assert "[ENOSPC]" in wrapped
