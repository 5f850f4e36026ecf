"""Downstream use of ``rdl embed`` vectors (issue 12): logistic regression / ridge
(scikit-learn) and LightGBM fitted on frozen row embeddings at each seed time, beside the
full GNN trained end to end.

    python benchmarks/pretrain_downstream.py --db rel-f1.duckdb --name rel-f1 \\
        --tasks rel-f1/driver-dnf,rel-f1/driver-top3,rel-f1/driver-position

Embeddings of every (entity, seed time) row of each split come from
`rdl.pretrain.Embedder.seeds` on ``task.input_db("relbench")`` (every input cut at the test
timestamp), from three sources:

* ``pretrained``: the backbone of ``pretrain_label_efficiency.py pretrain`` (no label seen);
* ``random``: the same backbone architecture with random weights (the control: how much
  of the probe's score the relational structure gives without any training);
* ``supervised``: the 100 % from-scratch model of the grid (seed 42, its readout before the
  head: trained on this task's labels — the ceiling of a linear probe).

Hyperparameters are chosen on the validation split (logistic regression / ridge: ``C`` /
``alpha`` grid on standardised vectors; LightGBM: ``num_leaves`` grid, early stopping on
validation), test scored once. The GNN columns are the grid's mean test metric (100 %
labels, 3 seeds). Results: ``benchmarks/results/pretrain/<name>_downstream.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "pretrain"


def random_backbone(name: str) -> Path:
    """A backbone with the pretrained one's architecture and random weights."""
    import torch

    from rdl.nn import RelationalBackbone
    from rdl.train.init import load_backbone, save_backbone

    ckpt = load_backbone(OUT / f"{name}_backbone")
    torch.manual_seed(0)
    backbone = RelationalBackbone(**ckpt["backbone_kwargs"])
    out = OUT / f"{name}_random_backbone"
    save_backbone(
        out,
        backbone,
        ckpt["backbone_kwargs"],
        seed_until=ckpt["seed_until"],
        stats_until=ckpt["stats_until"],
        entity_table=ckpt["entity_table"],
        db=ckpt["db"],
        config=ckpt["config"],
        pretrain=None,
        history=[],
    )
    return out


def fit_linear(task_type: str, X, y, Xv, yv, metric):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    best = None
    for c in (0.01, 0.1, 1.0, 10.0):
        est = (
            LogisticRegression(C=c, max_iter=3000)
            if task_type == "binary_classification"
            else Ridge(alpha=1.0 / c)
        )
        model = make_pipeline(StandardScaler(), est).fit(X, y)
        score = metric(yv, predict(model, task_type, Xv))
        if best is None or better(metric, score, best[0]):
            best = (score, model)
    return best[1]


def fit_lgbm(task_type: str, X, y, Xv, yv, metric, seed: int = 0):
    import lightgbm as lgb

    best = None
    for leaves in (7, 31):
        cls = lgb.LGBMClassifier if task_type == "binary_classification" else lgb.LGBMRegressor
        model = cls(
            n_estimators=1000,
            learning_rate=0.05,
            num_leaves=leaves,
            random_state=seed,
            verbose=-1,
            n_jobs=1,
            **({} if task_type == "binary_classification" else {"objective": "l1"}),
        )
        model.fit(X, y, eval_set=[(Xv, yv)], callbacks=[lgb.early_stopping(50, verbose=False)])
        score = metric(yv, predict(model, task_type, Xv))
        if best is None or better(metric, score, best[0]):
            best = (score, model)
    return best[1]


def predict(model, task_type: str, X):
    return (
        model.predict_proba(X)[:, 1] if task_type == "binary_classification" else model.predict(X)
    )


def better(metric, a: float, b: float) -> bool:
    from rdl.metrics import higher_is_better

    return a > b if higher_is_better(metric) else a < b


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--tasks", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cache-dir", default=None)
    p.add_argument(
        "--extra-backbones",
        default="",
        help="more backbone prefixes (e.g. rel-f1-st), as 'pretrained-<prefix>'",
    )
    args = p.parse_args()
    import torch

    from rdl.metrics import METRICS
    from rdl.pretrain import Embedder
    from rdl.tasks import load_task
    from rdl.train.job import open_database

    torch.set_num_threads(args.threads)
    database, _ = open_database(args.db)
    runs = [json.loads(x) for x in (OUT / f"{args.name}_runs.jsonl").read_text().splitlines()]
    sources = {"pretrained": OUT / f"{args.name}_backbone", "random": random_backbone(args.name)}
    for extra in filter(None, args.extra_backbones.split(",")):
        sources[f"pretrained-{extra}"] = OUT / f"{extra}_backbone"
    results = []
    for spec in args.tasks.split(","):
        task = load_task(spec, database)
        tt, mname = str(task.task_type), task.metrics[0]
        metric = METRICS[mname]
        tables = {s: task.get_table(s, mask_input_cols=False).df for s in ("train", "val", "test")}
        y = {s: df[task.target_col].to_numpy() for s, df in tables.items()}
        srcs = dict(
            sources, supervised=OUT / f"{args.name}_models" / f"{spec.split('/')[-1]}_scratch"
        )
        row = {"task": spec, "metric": mname}
        for src, path in srcs.items():
            if not path.exists():
                continue
            t0 = time.perf_counter()
            emb = Embedder(path, task.input_db("relbench"), cache_dir=args.cache_dir)
            X = {
                s: emb.seeds(df[task.entity_col], df[task.time_col]).filter(like="e_").to_numpy()
                for s, df in tables.items()
            }
            embed_s = time.perf_counter() - t0
            for probe, fit in (("linear", fit_linear), ("lightgbm", fit_lgbm)):
                model = fit(tt, X["train"], y["train"], X["val"], y["val"], metric)
                row[f"{src}/{probe}"] = float(metric(y["test"], predict(model, tt, X["test"])))
            row[f"{src}/embed_s"] = embed_s
            print(spec, src, {k: v for k, v in row.items() if k.startswith(src)}, flush=True)
        for arm in sorted({r["arm"] for r in runs}):
            vals = [
                r["test"][mname]
                for r in runs
                if r["task"] == spec and r["fraction"] == 1.0 and r["arm"] == arm
            ]
            if vals:
                row[f"gnn_{arm}"] = statistics.mean(vals)
                row[f"gnn_{arm}_n"] = len(vals)
        results.append(row)
    (OUT / f"{args.name}_downstream.json").write_text(json.dumps(results, indent=2))
    extra = [k for k in sources if k.startswith("pretrained-")]
    arms = sorted({r["arm"] for r in runs} - {"scratch", "pretrained"})
    cols = [
        ("pretrained/linear", "pretrained emb. + LR/ridge"),
        ("pretrained/lightgbm", "pretrained emb. + LightGBM"),
        *[
            (f"{k}/{p}", f"{k} emb. + {'LR/ridge' if p == 'linear' else 'LightGBM'}")
            for k in extra
            for p in ("linear", "lightgbm")
        ],
        ("random/linear", "random-backbone emb. + LR/ridge"),
        ("random/lightgbm", "random-backbone emb. + LightGBM"),
        ("supervised/linear", "supervised-model emb. + LR/ridge"),
        ("supervised/lightgbm", "supervised-model emb. + LightGBM"),
        ("gnn_scratch", "GNN end to end (scratch)"),
        ("gnn_pretrained", "GNN end to end (--init)"),
        *[(f"gnn_{a}", f"GNN end to end (--init {a.split('-', 1)[-1]})") for a in arms],
    ]
    lines = [
        "| task | metric | " + " | ".join(c[1] for c in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    for r in results:
        lines.append(
            f"| {r['task'].split('/')[-1]} | {r['metric']} | "
            + " | ".join(f"{r[k]:.4f}" if k in r else "—" for k, _ in cols)
            + " |"
        )
    (OUT / f"{args.name}_downstream.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
