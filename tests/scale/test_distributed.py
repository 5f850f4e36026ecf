"""Data-parallel training (torch.distributed, gloo on loopback) and the device path.

The two-process run goes through ``rdl train --nproc 2`` (which runs ``torchrun -m
rdl.train``) on a small database whose label follows a column, and must match one
process within noise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest
import torch

from rdl.scale.distributed import ShardedNodeLoader, shard_list, subset
from rdl.scale.launch import config_args, parser, torchrun_command
from rdl.train import TrainConfig

TASK_FILE = '''
import pandas as pd
from rdl.tasks import EntityTask, TaskType

class Active(EntityTask):
    name = "active"
    entity_table = "users"; entity_col = "user_id"; time_col = "timestamp"
    target_col = "active"; task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30); num_eval_timestamps = 3
    metrics = ["roc_auc", "accuracy"]
    val_timestamp = pd.Timestamp("2021-03-01"); test_timestamp = pd.Timestamp("2021-06-01")
    sql = """
        SELECT t.timestamp, u.user_id,
               CAST(count(e.event_id) > 0 AS INTEGER) AS active
        FROM timestamp_df t CROSS JOIN users u
        LEFT JOIN events e ON e.user_id = u.user_id AND e.event_at > t.timestamp
                          AND e.event_at <= t.timestamp + {timedelta}
        GROUP BY ALL
    """
'''


@pytest.fixture(scope="module")
def signal_db(tmp_path_factory):
    """200 users; group A users have an event every ~10 days, group B every ~200."""
    d = tmp_path_factory.mktemp("ddp")
    rng = np.random.default_rng(0)
    con = duckdb.connect(str(d / "signal.duckdb"))
    con.execute("CREATE TABLE users (user_id BIGINT PRIMARY KEY, grp VARCHAR, score DOUBLE)")
    users = pd.DataFrame(
        {
            "user_id": np.arange(200),
            "grp": ["AB"[i % 2] for i in range(200)],
            "score": rng.normal(size=200),
        }
    )
    con.register("users_df", users)
    con.execute("INSERT INTO users SELECT * FROM users_df")
    con.execute(
        "CREATE TABLE events (event_id BIGINT PRIMARY KEY, "
        "user_id BIGINT REFERENCES users (user_id), event_at TIMESTAMP, amount DOUBLE)"
    )
    start, rows = pd.Timestamp("2020-01-01"), []
    for u in range(200):
        n = int(rng.poisson(55 if u % 2 == 0 else 3))
        for day in np.sort(rng.integers(0, 600, n)):
            rows.append((len(rows), u, start + pd.Timedelta(days=int(day)), float(rng.random())))
    con.register(
        "events_df", pd.DataFrame(rows, columns=["event_id", "user_id", "event_at", "amount"])
    )
    con.execute("INSERT INTO events SELECT * FROM events_df")
    con.close()
    (d / "tasks.py").write_text(TASK_FILE)
    return str(d / "signal.duckdb"), str(d / "tasks.py") + ":active"


def test_shards_are_disjoint_cover_the_epoch_and_agree_across_ranks():
    assert shard_list(list(range(5)), 0, 2) == [0, 2, 4]
    assert shard_list(list(range(5)), 1, 2) == [1, 3, 0]  # padded by wrapping around
    from rdl.sampling.loader import NodeLoader

    n, bs, world = 1000, 64, 3

    def loader():
        return NodeLoader(
            None,
            {},
            "t",
            np.arange(n),
            np.zeros(n, np.int64),
            batch_size=bs,
            shuffle=True,
            generator=np.random.default_rng(5),
            group=np.arange(n) // 4,
        )

    orders = [ShardedNodeLoader(loader(), r, world)._order() for r in range(world)]
    lens = [len(ShardedNodeLoader(loader(), r, world)) for r in range(world)]
    assert len(set(lens)) == 1 and all(len(o) == lens[0] * bs for o in orders)
    allseen = np.concatenate(orders)
    assert set(allseen.tolist()) == set(range(n))  # every seed of the epoch, once or padded
    assert len(allseen) - n < bs * world  # padding only to fill the last round
    full = loader()._order()  # the same epoch order on every rank, cut into batches
    np.testing.assert_array_equal(orders[1][:bs], full[bs : 2 * bs])


def test_subset_of_link_seeds_keeps_each_rows_destinations():
    from rdl.train.link.seeds import LinkSeeds

    s = LinkSeeds(
        np.array([5, 6, 7]),
        np.array([1, 2, 3]),
        np.array([0, 2, 2, 5]),
        np.array([10, 11, 12, 13, 14]),
        pd.DataFrame({"a": [0, 1, 2]}),
    )
    sub = subset(s, np.array([2, 0]))
    assert sub.src.tolist() == [7, 5]
    assert [sub.dst[sub.dst_ptr[i] : sub.dst_ptr[i + 1]].tolist() for i in range(2)] == [
        [12, 13, 14],
        [10, 11],
    ]


def test_launch_arguments_round_trip():
    cfg = TrainConfig(
        epochs=3,
        num_neighbors=[7, 3],
        patience=None,
        text=False,
        entity_group_size=None,
        storage="disk",
        threads=1,
    )
    args = vars(parser().parse_args(["--db", "x", "--task", "y", *config_args(cfg)]))
    for k in (
        "db",
        "task",
        "out",
        "cache_dir",
        "model",
        "no_baselines",
        "shallow",
        "num_negatives",
    ):
        args.pop(k)
    assert TrainConfig(**args) == cfg
    cmd = torchrun_command(2, cfg, db="x.duckdb", task="t", no_baselines=True)
    assert cmd[1:5] == ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2"]
    assert cmd[cmd.index("rdl.train") - 1] == "-m" and "--no-baselines" in cmd


def _config(**kw) -> TrainConfig:
    return TrainConfig(
        epochs=2,
        channels=8,
        num_neighbors=[4, 2],
        batch_size=128,
        max_steps_per_epoch=8,
        text=False,
        threads=1,
        precision="fp32",
        seed=3,
        **kw,
    )


def test_two_processes_match_one_within_noise(signal_db, tmp_path):
    from rdl.train import train_task

    db, task = signal_db
    one = train_task(
        db, task, _config(), baselines=False, progress=False, cache_dir=tmp_path / "cache"
    )
    out = tmp_path / "two"
    cli = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        task,
        "--out",
        str(out),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--no-baselines",
        "--epochs",
        "2",
        "--channels",
        "8",
        "--num-neighbors",
        "4,2",
        "--batch-size",
        "128",
        "--max-steps-per-epoch",
        "8",
        "--no-text",
        "--threads",
        "1",
        "--precision",
        "fp32",
        "--seed",
        "3",
        "--nproc",
        "2",
    ]
    proc = subprocess.run(
        cli, capture_output=True, text=True, timeout=240, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    two = json.loads((out / "results.json").read_text())
    assert (out / "model.pt").exists()
    assert two["distributed"]["world_size"] == 2 and two["distributed"]["backend"] == "gloo"
    assert len(two["peak_rss_mb_per_rank"]) == 2
    # each rank took its own full batches: 2 x 8 steps x 128 seeds per epoch
    h = two["models"]["gnn"]["history"][0]
    assert round(h["seeds_per_s"] * h["train_seconds"]) == 2 * 8 * 128
    h1 = one["models"]["gnn"]["history"][0]
    assert round(h1["seeds_per_s"] * h1["train_seconds"]) == 8 * 128
    a1, a2 = one["models"]["gnn"]["test"]["roc_auc"], two["models"]["gnn"]["test"]["roc_auc"]
    assert a1 > 0.8 and a2 > 0.8, (a1, a2)  # the label follows the users' group
    assert abs(a1 - a2) < 0.06, (a1, a2)
    assert two["splits"] == one["splits"]


def test_on_device_wrapper_gives_the_same_predictions(signal_db, tmp_path):
    """The --device plumbing (inputs moved, TensorFrame rows gathered on the CPU, outputs
    back) exercised on the CPU; `unwrap` returns the plain model."""
    from rdl.runtime.device import OnDevice, unwrap
    from rdl.train.job import run_task

    db, task = signal_db
    run = run_task(
        db, task, _config(), baselines=False, progress=False, cache_dir=tmp_path / "cache"
    )
    tr = run.trainer
    plain = tr.predict(run.seeds["test"])
    tr.model = OnDevice(tr.model, "cpu")
    np.testing.assert_array_equal(tr.predict(run.seeds["test"]), plain)
    unwrap(tr)
    assert not isinstance(tr.model, OnDevice)


@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="no CUDA GPU on this machine (the --device cuda path runs where one exists)",
)
def test_cuda_device_trains_and_predicts(signal_db, tmp_path):
    from rdl.train import train_task

    db, task = signal_db
    res = train_task(
        db,
        task,
        _config(device="cuda"),
        tmp_path / "gpu",
        baselines=False,
        progress=False,
        cache_dir=tmp_path / "cache",
    )
    assert res["models"]["gnn"]["test"]["roc_auc"] > 0.8
    ckpt = torch.load(tmp_path / "gpu" / "model.pt", weights_only=False)
    assert all(t.device.type == "cpu" for t in ckpt["state_dict"].values())
