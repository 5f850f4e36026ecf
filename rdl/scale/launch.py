"""``python -m rdl.train``: the training job as a program ``torchrun`` can launch.

    torchrun --nproc-per-node 2 -m rdl.train --db rel-f1.duckdb --task rel-f1/driver-dnf \\
        --out runs/dnf --threads 1
    # several machines: torchrun --nnodes 2 --node-rank R --rdzv-endpoint HOST:PORT ...

Arguments: ``--db``, ``--task``, ``--out``, ``--cache-dir``, ``--model``,
``--no-baselines`` (as ``rdl train``), and every `TrainConfig` setting with ``rdl train``'s
flag and reading, generated from its declaration (``--num-neighbors 128,64``, ``--patience
none``, ``--entity-group-size 0``, ``--text NAME`` / ``--no-text``, ``--shallow``,
``--num-layers N``). Without torchrun (or with one process) it is
`rdl.train.train_task`; with several, `rdl.scale.distributed`. Rank 0 writes
``results.json`` / ``model.pt`` and prints one JSON line of results; ``rdl train --nproc
N`` runs this module under torchrun (`torchrun_command`) and prints the results table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from rdl.config import OPTIONS, ConfigError
from rdl.train.config import TrainConfig

_JOB_ARGS = ("db", "task", "out", "cache_dir", "model", "no_baselines")


def _setting(opt):
    """argparse ``type`` of a setting: its CLI string read by its declaration."""

    def parse(text):
        try:
            return opt.parse(text)
        except ConfigError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parse.__name__ = opt.name
    return parse


def parser() -> argparse.ArgumentParser:
    """The arguments of ``python -m rdl.train``: the job's own and every `TrainConfig`
    setting, generated from the settings' declarations (`rdl.config.OPTIONS`, the same
    flags and readings as ``rdl train``'s)."""
    p = argparse.ArgumentParser(
        prog="python -m rdl.train",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", required=True, help="SQLAlchemy URL or a .duckdb/.sqlite/.db path")
    p.add_argument("--task", required=True, help="FILE.py:NAME or a built-in name")
    p.add_argument("--out", default=None, help="directory for results.json and model.pt")
    p.add_argument("--cache-dir", default=None, help="graph/text cache")
    p.add_argument("--model", default=None, help="gnn | two-tower | idgnn | contextgnn")
    p.add_argument("--no-baselines", action="store_true")
    for name, opt in OPTIONS.items():
        flag = "--" + name.replace("_", "-") if opt.cli_hidden else opt.cli_flag
        if opt.kind is bool:
            p.add_argument(
                flag,
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=opt.default,
                help=opt.help,
            )
        else:
            p.add_argument(
                flag, dest=name, type=_setting(opt), default=opt.default, help=opt.help_text()
            )
        for alias, value in opt.aliases.items():
            p.add_argument(
                alias,
                dest=name,
                action="store_const",
                const=opt.parse(value),
                help=f"same as {flag} {value}",
            )
    return p


def config_args(config: TrainConfig) -> list[str]:
    """``config`` as ``python -m rdl.train`` arguments (`parser` reads them back)."""
    out = []
    for name, opt in OPTIONS.items():
        args = opt.to_cli(getattr(config, name))
        if opt.cli_hidden:
            args[0] = "--" + name.replace("_", "-")
        out += args
    return out


def torchrun_command(nproc: int, config: TrainConfig, **job) -> list[str]:
    """The ``torchrun --standalone --nproc-per-node N -m rdl.train ...`` command (through
    ``python -m torch.distributed.run``) for a job on this machine."""
    # a generous rendezvous timeout: on a busy machine the workers start slowly
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={int(nproc)}",
        "--rdzv-conf=read_timeout=600",
        "-m",
        "rdl.train",
    ]
    for k in _JOB_ARGS:
        v = job.get(k)
        if v is None or v is False:
            continue
        flag = "--" + k.replace("_", "-")
        cmd += [flag] if v is True else [flag, str(v)]
    return cmd + config_args(config)


def prebuild(db, task_spec, config: TrainConfig, cache_dir) -> None:
    """Build (or open) the job's graph and its CSC arrays into the cache, so the other
    ranks read them instead of building them at the same time."""
    from rdl.graph import build_graph
    from rdl.runtime.storage import open_for_training
    from rdl.sampling.csc_store import graph_csc
    from rdl.train.job import resolve_task

    database, _, _ = open_for_training(db, task_spec, config.storage)
    task, _ = resolve_task(task_spec, database)
    graph = build_graph(
        task.input_db(config.protocol),
        text=config.text,
        stats_until=task.test_timestamp,
        cache_dir=cache_dir,
    )
    if getattr(graph, "store_dir", None) is not None:
        graph_csc(graph)


def run(
    db,
    task_spec,
    config: TrainConfig,
    out=None,
    *,
    baselines: bool = True,
    cache_dir=None,
    model=None,
    progress: bool = True,
    **options,
) -> dict | None:
    """The job on this process: data-parallel when torchrun started several (see
    `rdl.scale.distributed`), else `rdl.train.train_task`. Returns the results on rank 0
    (``None`` on the others)."""
    from rdl.results import write_results
    from rdl.scale.distributed import make_data_parallel, setup
    from rdl.train.checkpoint import save_checkpoint
    from rdl.train.job import run_task

    d = setup(config.device)
    if d is None:
        from rdl.train.job import train_task

        return train_task(
            db,
            task_spec,
            config,
            out,
            baselines=baselines,
            progress=progress,
            cache_dir=cache_dir,
            model=model,
            **options,
        )
    if config.device.startswith("cuda"):
        config = dataclasses.replace(config, device=f"cuda:{d.local_rank}")  # type: ignore[call-arg]  # a flat setting: TrainConfig.__init__ takes it
    t0 = time.perf_counter()
    if d.is_main:
        prebuild(db, task_spec, config, cache_dir)
    d.barrier()
    r = run_task(
        db,
        task_spec,
        config,
        baselines=baselines and d.is_main,
        progress=progress and d.is_main,
        cache_dir=cache_dir,
        model=model,
        setup_trainer=lambda tr: make_data_parallel(tr, d),
        **options,
    )
    r.results["distributed"] = {
        "world_size": d.world_size,
        "backend": d.backend,
        "prebuild_s": time.perf_counter() - t0,
    }
    peaks = d.gather(r.results["peak_rss_mb"])
    r.results["peak_rss_mb_per_rank"] = peaks
    if d.is_main and out is not None:
        save_checkpoint(out, r.trainer, task_spec=r.results["task"], db_url=r.results["db"])
        write_results(r.results, out)
    d.barrier()
    return r.results if d.is_main else None


def main(argv: list[str] | None = None) -> int:
    args = vars(parser().parse_args(argv))
    job = {k: args.pop(k) for k in _JOB_ARGS}
    config = TrainConfig(**args)
    results = run(
        job["db"],
        job["task"],
        config,
        job["out"],
        baselines=not job["no_baselines"],
        cache_dir=job["cache_dir"],
        model=job["model"],
    )
    if results is not None:
        print(
            json.dumps(
                {
                    "task": results["task"],
                    "models": {
                        m: {"val": v["val"], "test": v["test"]}
                        for m, v in results["models"].items()
                    },
                    "timing": results["timing"],
                    "peak_rss_mb": results["peak_rss_mb"],
                    "distributed": results.get("distributed"),
                },
                default=str,
            ),
            flush=True,
        )
    try:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
    except Exception:
        pass
    return 0


__all__ = ["config_args", "main", "parser", "run", "torchrun_command"]
