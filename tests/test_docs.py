"""The user documentation (README.md, docs/*.md) stays short, linked and true to the code.

* README.md is a page for users: at most `README_MAX_LINES` lines, a CLI table that names
  every command of ``rdl``, the test-command block `.ci/run` extracts, and a Python example
  that runs (against rel-f1, on a tiny training configuration).
* Every relative link and image in README.md and docs/*.md points at an existing file.
* No page cites project history ("issue 9"): a reader needs the reason or the measurement.
* Every ``--flag`` the pages name is an option of some ``rdl`` command (benchmark scripts',
  pytest's and torchrun's own flags aside).
* Every ``python`` block of docs/*.md compiles, and the schema file example of
  docs/schema.md is one that rdl's schema-file reader accepts.

Each checker is a plain function over text, tested on a crafted failing input too.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_LINES = 220
#: a Python example of "about ten lines" (code lines, comments and blank lines excluded)
EXAMPLE_MAX_LINES = 15

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HISTORY = re.compile(r"\bissues?\s*#?\s*\d+", re.IGNORECASE)
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
#: torchrun's own options, named where the pages show a torchrun command line
OTHER_TOOLS_FLAGS = {"--nproc-per-node", "--nnodes", "--rdzv-endpoint"}


def code_blocks(text: str, lang: str) -> list[str]:
    """The bodies of the fenced code blocks of ``text`` in language ``lang``."""
    return [body for tag, body in FENCE.findall(text) if tag == lang]


def broken_links(text: str, base: Path) -> list[str]:
    """Relative link / image targets in markdown ``text`` (outside fenced code) that name
    no existing file or folder under ``base``; URLs and in-page anchors are skipped."""
    prose = FENCE.sub("", text)
    bad = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (base / path).exists():
            bad.append(target)
    return bad


def history_citations(text: str) -> list[str]:
    """Every "issue N" / "issues #N" in ``text``."""
    return HISTORY.findall(text)


def documented_flags(text: str) -> set[str]:
    """The ``--flags`` named in markdown ``text``, leaving out the command lines of
    benchmark scripts (``python benchmarks/...``, inline or in a block, continuation lines
    included) and of pytest, whose flags are their own."""
    text = re.sub(r"`python benchmarks/[^`]*`", "", text)
    text = text.replace("\\\n", " ")
    lines = [
        ln for ln in text.splitlines() if "python benchmarks/" not in ln and "pytest" not in ln
    ]
    return set(FLAG.findall("\n".join(lines)))


def rdl_options() -> set[str]:
    """Every option name of every ``rdl`` command and group (``--x`` and ``--no-x``)."""
    import typer

    from rdl.cli import app

    names = {"--help"}  # click adds it to every command
    todo = [typer.main.get_command(app)]
    while todo:
        cmd = todo.pop()
        for param in cmd.params:
            names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
        todo.extend(getattr(cmd, "commands", {}).values())  # a group's subcommands
    return names


def section(text: str, heading: str) -> str:
    """The text of the ``## heading`` section of a markdown page (to the next ``## ``)."""
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    assert m, f"no '## {heading}' section"
    return m.group(1)


def table_commands(text: str) -> set[str]:
    """The ``rdl`` commands named first in each row of a markdown table."""
    return set(re.findall(r"^\| `rdl ([a-z-]+)", text, re.MULTILINE))


def test_readme_is_short():
    n = len(README.read_text().splitlines())
    assert n <= README_MAX_LINES, f"README.md has {n} lines (at most {README_MAX_LINES})"


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(page):
    assert broken_links(page.read_text(), page.parent) == []


def test_link_check_catches_a_broken_link(tmp_path):
    (tmp_path / "there.md").write_text("x")
    text = (
        "[ok](there.md) [anchor](there.md#part) [web](https://example.org/none) "
        "[in page](#top) ![missing figure](figures/none.png) [gone](../nowhere.md)\n"
        "```python\nd = METRICS[m](y)\n```\n"
    )
    assert broken_links(text, tmp_path) == ["figures/none.png", "../nowhere.md"]


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_project_history(page):
    assert history_citations(page.read_text()) == []


def test_history_check_catches_an_issue_number():
    text = "kept after measurement (issue 9); see Issue #12. The issue tracker; tissue 5."
    assert history_citations(text) == ["issue 9", "Issue #12"]


def test_docs_index_lists_every_page():
    index = (ROOT / "docs" / "README.md").read_text()
    pages = {p.name for p in DOCS} - {"README.md"}
    assert pages and {p for p in pages if f"]({p})" not in index} == set()


def test_cli_table_names_every_command():
    import typer

    from rdl.cli import app

    commands = set(typer.main.get_command(app).commands)
    listed = table_commands(section(README.read_text(), "The command line"))
    assert listed == commands, (
        f"missing from README's CLI table: {commands - listed}; not a command: {listed - commands}"
    )


def test_cli_table_check_sees_a_missing_row():
    text = (
        "| command | what |\n|---|---|\n| `rdl train --db URL` | trains |\n"
        "| `rdl report DIR` | a page |\n"
    )
    assert table_commands(text) == {"train", "report"}


def test_ci_extracts_the_test_command():
    """`.ci/run`'s own extraction (sed, on README.md) gives a command that runs pytest."""
    run = (ROOT / ".ci" / "run").read_text()
    (line,) = [ln for ln in run.splitlines() if ln.startswith("cmd=$(sed")]
    cmd = subprocess.run(
        ["bash", "-c", line + '; printf %s "$cmd"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert cmd.count("\n") == 0 and "pytest" in cmd, cmd


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_documented_flags_exist(page):
    unknown = documented_flags(page.read_text()) - rdl_options() - OTHER_TOOLS_FLAGS
    assert unknown == set(), f"{page.name} names options no rdl command has: {sorted(unknown)}"


def test_flag_check_sees_an_unknown_flag():
    text = (
        "Run `rdl train --epochs 3 --no-such-flag` or\n```bash\nrdl predict --top-k 5 \\\n"
        "    --also-missing\npython benchmarks/rel_f1.py --variants a \\\n    --seeds 1\n```\n"
        "(`python benchmarks/scale.py run\n--sf 1`); `-n 2`, `pytest -q --maxfail 1`."
    )
    assert documented_flags(text) == {"--epochs", "--no-such-flag", "--top-k", "--also-missing"}
    assert {"--epochs", "--top-k", "--no-blend", "--debug"} <= rdl_options()
    assert "--no-such-flag" not in rdl_options()


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_docs_python_compiles(page):
    for i, block in enumerate(code_blocks(page.read_text(), "python")):
        compile(block, f"{page.name} python block {i}", "exec")


def test_schema_file_example_is_accepted(tmp_path):
    from rdl.db.schema_file import load_schema

    (block,) = code_blocks((ROOT / "docs" / "schema.md").read_text(), "toml")
    path = tmp_path / "schema.toml"
    path.write_text(block)
    schema = load_schema(path)
    assert schema["primary_keys"] == {"users": "Id", "votes": None}
    assert tomllib.loads(block)["foreign_keys"]["posts"] == {
        "OwnerUserId": "users",
        "AcceptedAnswerId": "posts",
    }


def readme_example() -> str:
    (block, *_) = code_blocks(section(README.read_text(), "Python"), "python")
    return block


def test_readme_example_is_short():
    code = [
        ln for ln in readme_example().splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    assert len(code) <= EXAMPLE_MAX_LINES, "\n".join(code)


def test_readme_example_runs(f1_duckdb, tmp_path, monkeypatch, capsys):
    """The README's example, as written, on rel-f1; only `train_task` is swapped for a
    tiny configuration (one epoch of two steps, no baselines) so it takes seconds."""
    import rdl.train
    from rdl.train import TrainConfig

    code = compile(readme_example(), "README.md python example", "exec")
    real = rdl.train.train_task
    calls = []

    def tiny_train_task(db, task, config=None, out_dir=None, **kwargs):
        assert isinstance(config, TrainConfig)
        calls.append(out_dir)
        small = TrainConfig(
            epochs=1,
            channels=16,
            num_neighbors=[4, 2],
            max_steps_per_epoch=2,
            text="none",
            seed_features=[],
            blend=False,
        )
        return real(db, task, small, out_dir, baselines=False, progress=False)

    monkeypatch.setattr(rdl.train, "train_task", tiny_train_task)
    monkeypatch.setenv("RDL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel-f1.duckdb").symlink_to(f1_duckdb.removeprefix("duckdb:///"))
    namespace: dict = {}
    exec(code, namespace)

    assert calls == ["runs/dnf"] and (tmp_path / "runs" / "dnf" / "model.pt").is_file()
    out = capsys.readouterr().out
    assert "'roc_auc'" in out
    pred = namespace["pred"]
    assert isinstance(pred, pd.DataFrame) and len(pred) > 0
    assert {"driverId", "prediction"} <= set(pred.columns)
