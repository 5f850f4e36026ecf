"""The min-steps rule on small training sets: the GNN with the rule (default) and without
(``min_steps_per_epoch=0``: RelBench's fixed batch of 512), over seeds, on the generated
churn task of the tests (``tests/fixtures/shops.py``: 1,023 training rows).

    python benchmarks/small_tasks.py [--seeds 0,1,2] [--threads 1]

Default GNN settings otherwise (text columns: none in this database). rel-f1 driver-top3
(1,353 rows) is measured with ``benchmarks/rel_f1.py --tasks driver-top3 --extra
"--threads 1 --min-steps-per-epoch 0"`` (rule off) and without the last option (rule on).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' fixtures: tests.fixtures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    from rdl.train import TrainConfig
    from rdl.train.job import run_task
    from tests.fixtures.shops import CustomerChurn, churn_shop

    db = churn_shop()
    print(
        "| min_steps_per_epoch | batch | val AUROC (per seed) | test AUROC (per seed) | "
        "val mean | test mean | fit s |"
    )
    print("|---|---|---|---|---|---|---|")
    base = None
    for rule in (20, 0):
        val, test, fit, bs = [], [], [], None
        for seed in (int(s) for s in args.seeds.split(",")):
            cfg = TrainConfig(min_steps_per_epoch=rule, seed=seed, threads=args.threads)
            r = run_task(db, CustomerChurn, cfg, progress=False).results
            g = r["models"]["gnn"]
            val.append(g["val"]["roc_auc"])
            test.append(g["test"]["roc_auc"])
            fit.append(g["fit_seconds"])
            bs = g["batch_size"]
            base = base or r["baselines"]
        print(
            f"| {rule} | {bs} | {' / '.join(f'{v:.4f}' for v in val)} | "
            f"{' / '.join(f'{v:.4f}' for v in test)} | {statistics.mean(val):.4f} | "
            f"{statistics.mean(test):.4f} | {statistics.mean(fit):.0f} |",
            flush=True,
        )
    print(
        "\nBaselines (val / test AUROC): "
        + "; ".join(
            f"{n} {b['val']['roc_auc']:.4f} / {b['test']['roc_auc']:.4f}" for n, b in base.items()
        )
    )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)
