"""``rdl train --init DIR``: the model's backbone starts from the pretrained weights (a
control without ``--init`` starts elsewhere), and a backbone that does not fit — other
architecture, schema or time range, or no file — is one clear error."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

import rdl
from rdl.cli import app
from rdl.db.write import to_url
from rdl.pretrain import PretrainConfig, pretrain
from rdl.train import TrainConfig
from rdl.train.init import InitError, load_backbone, stats_digest
from rdl.train.job import run_task
from tests.fixtures.pretrain_toy import toy_database, user_kind_task

TINY = dict(
    channels=16,
    encoder_layers=1,
    num_neighbors=[16, 4],
    batch_size=32,
    text=False,
    precision="fp32",
    threads=1,
    seed=0,
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    src = tmp_path_factory.mktemp("db") / "toy.duckdb"
    to_url(toy_database(num_users=16, events_per_user=30), str(src))
    db = rdl.connect(f"duckdb:///{src}")
    cache = tmp_path_factory.mktemp("cache")
    out = tmp_path_factory.mktemp("pretrained")
    pretrain(
        db,
        None,
        TrainConfig(epochs=1, max_steps_per_epoch=3, lr=0.003, **TINY),
        PretrainConfig(num_views=2),
        out,
        task=user_kind_task(),
        cache_dir=cache,
        progress=False,
    )
    return db, src, cache, out


def _run(db, cache, **config):
    """`run_task`; ``epochs=0``: one step is run, but ``.trainer.model`` / ``.trainer.graph``
    are snapshots taken before any step (the weights as loaded; epochs must be >= 1)."""
    import copy
    from types import SimpleNamespace

    seen = {}
    if config.get("epochs") == 0:
        config = {**config, "epochs": 1, "max_steps_per_epoch": 1}
        hook = lambda tr: seen.update(model=copy.deepcopy(tr.model), graph=tr.graph)  # noqa: E731
    else:
        hook = None
    run = run_task(
        db,
        user_kind_task(),
        TrainConfig(**{**TINY, **config}),
        baselines=False,
        progress=False,
        cache_dir=cache,
        setup_trainer=hook,
    )
    if not seen:
        return run
    return SimpleNamespace(
        results=run.results, trainer=SimpleNamespace(model=seen["model"], graph=seen["graph"])
    )


def test_init_loads_the_pretrained_weights(setup):
    db, _, cache, out = setup
    saved = load_backbone(out)["state_dict"]
    run = _run(db, cache, epochs=0, init=str(out))  # no step: the weights as loaded
    loaded = run.trainer.model.backbone.state_dict()
    assert loaded.keys() == saved.keys()
    for k in saved:
        torch.testing.assert_close(loaded[k], saved[k], rtol=0, atol=0, equal_nan=True)
    assert not any(v.isnan().any() for v in saved.values() if v.is_floating_point())
    assert run.results["config"]["init"] == str(out)
    # control: the same run without --init starts from other weights
    scratch = _run(db, cache, epochs=0).trainer.model.backbone.state_dict()
    assert any(not torch.equal(scratch[k], saved[k]) for k in saved if saved[k].is_floating_point())
    # and fine-tuning moves them
    tuned = _run(db, cache, epochs=1, max_steps_per_epoch=2, init=str(out))
    moved = tuned.trainer.model.backbone.state_dict()
    assert any(not torch.equal(moved[k], saved[k]) for k in saved if saved[k].is_floating_point())


def test_other_column_stats_rebuild_the_graph_with_the_backbones(setup, tmp_path):
    """A backbone whose statistics stop earlier (--cut) is still usable: the training graph
    is materialised with its statistics, so rows encode as in pretraining."""
    db, _, cache, _ = setup
    out = tmp_path / "early"
    pretrain(
        db,
        "users",
        TrainConfig(epochs=1, max_steps_per_epoch=2, **TINY),
        PretrainConfig(num_views=2),
        out,
        cut="2021-03-01",
        until="2021-03-01",
        cache_dir=cache,
        progress=False,
    )
    ckpt = load_backbone(out)
    run = _run(db, cache, epochs=0, init=str(out))
    assert stats_digest(run.trainer.graph.col_stats) == ckpt["stats_digest"]
    assert stats_digest(_run(db, cache, epochs=0).trainer.graph.col_stats) != ckpt["stats_digest"]


def test_mismatches_are_one_clear_error(setup, tmp_path):
    db, _, cache, out = setup
    with pytest.raises(InitError, match="channels = 16.*channels=16"):
        _run(db, cache, epochs=0, init=str(out), channels=8)
    with pytest.raises(InitError, match="num_layers = 2.*num_neighbors"):
        _run(db, cache, epochs=0, init=str(out), num_neighbors=[4, 4, 4], num_layers=3)
    with pytest.raises(InitError, match="gnn = sage.*gnn='sage'"):
        _run(db, cache, epochs=0, init=str(out), gnn="gat")
    # another schema: the in-memory toy database has no `ts` feature column
    with pytest.raises(InitError, match=r"table 'events' has other feature columns.*'ts'"):
        run_task(
            toy_database(num_users=16, events_per_user=30),
            user_kind_task(),
            TrainConfig(epochs=1, init=str(out), **TINY),
            baselines=False,
            progress=False,
            cache_dir=cache,
        )
    # a backbone that saw the validation windows: pretrained up to the database's end
    late = tmp_path / "late"
    pretrain(
        db,
        "users",
        TrainConfig(epochs=1, max_steps_per_epoch=1, **TINY),
        PretrainConfig(num_views=2),
        late,
        cache_dir=cache,
        progress=False,
    )
    with pytest.raises(
        InitError, match="after the val timestamp 2021-06-01 00:00:00 of task 'user-kind'"
    ):
        _run(db, cache, epochs=0, init=str(late))
    with pytest.raises(FileNotFoundError, match=r"rdl.pretrain.pretrain\(url, 'TABLE', out_dir="):
        _run(db, cache, epochs=0, init=str(tmp_path / "nothing"))


def test_cli_train_init(setup, tmp_path):
    db, src, cache, out = setup
    task_file = tmp_path / "toy_task.py"
    task_file.write_text(
        "from tests.fixtures.pretrain_toy import user_kind_task\nUserKind = user_kind_task()\n"
    )
    runner = CliRunner()
    base = [
        "train",
        "--db",
        str(src),
        "--task",
        f"{task_file}:UserKind",
        "--epochs",
        "1",
        "--channels",
        "16",
        "--num-neighbors",
        "16,4",
        "--batch-size",
        "32",
        "--max-steps-per-epoch",
        "2",
        "--no-text",
        "--threads",
        "1",
        "--no-baselines",
        "--precision",
        "fp32",
        "--cache-dir",
        str(cache),
    ]
    # the encoders' depth is no CLI flag of rdl train: a backbone pretrained with 1 ResNet
    # block does not fit its 4 -> one paragraph, exit 1, no traceback
    res = runner.invoke(app, base + ["--init", str(out)])
    assert res.exit_code == 1 and "error:" in res.output and "encoder_layers" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, base + ["--init", str(tmp_path / "none")])
    assert res.exit_code == 1 and "rdl pretrain --db URL" in res.output


def test_cli_pretrain_bad_input_is_one_paragraph(setup, tmp_path):
    _, src, cache, _ = setup
    runner = CliRunner()
    base = ["pretrain", "--db", str(src), "--out", str(tmp_path / "x"), "--cache-dir", str(cache)]
    res = runner.invoke(app, base + ["--entity-table", "nope"])
    assert res.exit_code == 1 and "error: entity table 'nope'" in res.output
    assert "--entity-table" in res.output and "Traceback" not in res.output
    res = runner.invoke(
        app, base + ["--entity-table", "users", "--until", "2021-01-01", "--cut", "2020-06-01"]
    )
    assert res.exit_code == 1 and "--until <= --cut" in res.output
    res = runner.invoke(app, base + ["--entity-table", "users", "--views", "1"])
    assert res.exit_code == 1 and "--views" in res.output
    assert not (tmp_path / "x" / "backbone.pt").exists()
