"""What an entity training run reports beside the GNN's own scores (issue 9):

* with ``config.stale_val``: the GNN's score on RelBench's validation inputs (``"val"``)
  beside the stale validation it was selected on (``"val_stale"``);
* with ``config.blend``: ``models["lightgbm_cutoff"]`` — LightGBM on the seed features
  at each seed's information cut-off (`rdl.train.seed_features`; trained on the training
  seeds, early-stopped on the selection validation) — and ``models["blend"]``, the GNN
  and that LightGBM blended with a weight chosen on the selection validation
  (`rdl.train.blend`). Test labels are read only to score.
"""

from __future__ import annotations

import time

import numpy as np

from rdl.train.blend import fit_blend


def extra_results(trainer, tables: dict, seeds: dict, pred: dict, models: dict) -> None:
    """Add the entries above to ``models`` (``results["models"]``) in place.

    Args:
        trainer: the fitted `rdl.train.entity.EntityTrainer`.
        tables / seeds / pred: split -> task table / seeds / GNN predictions (val, test).
        models: ``results["models"]`` with the GNN's entry.
    """
    cfg, task = trainer.config, trainer.task
    gnn = models[trainer.name]
    plain = None
    if cfg.stale_val and cfg.protocol == "relbench":
        t0 = time.perf_counter()
        plain = trainer.make_seeds(tables["val"], stale_val=False)
        plain_pred = trainer.predict(plain)
        gnn["val_stale"] = gnn["val"]
        gnn["val"] = trainer.score(plain, plain_pred)
        gnn["eval_seconds"] += time.perf_counter() - t0
    if not cfg.blend:
        return
    from rdl.baselines import LightGBMBaseline

    t0 = time.perf_counter()
    target = task.target_col
    lgbm = LightGBMBaseline("aggregated", seed=cfg.seed, protocol=cfg.protocol)
    lgbm.fit(task, seeds["train"].x_raw, tables["train"].df[target],
             seeds["val"].x_raw, tables["val"].df[target])
    lpred = {s: lgbm.predict(seeds[s].x_raw) for s in ("val", "test")}
    fit_s = time.perf_counter() - t0
    models["lightgbm_cutoff"] = {
        "val": trainer.score(seeds["val"], lpred["val"]),
        "test": trainer.score(seeds["test"], lpred["test"]),
        "fit_seconds": fit_s, "num_features": lgbm.num_features,
        "best_iteration": lgbm.best_iteration, "params": lgbm.best_params,
    }
    metric = task.metrics[0]
    blend = fit_blend(trainer.task_type, metric, seeds["val"].y.numpy(),
                      np.asarray(pred["val"]), lpred["val"])
    models["blend"] = {
        "val": trainer.score(seeds["val"], blend(pred["val"], lpred["val"])),
        "test": trainer.score(seeds["test"], blend(pred["test"], lpred["test"])),
        "weight_gnn": blend.weight,
        "val_curve": blend.curve,
        "fit_seconds": time.perf_counter() - t0,
    }
    if plain is not None:
        plain_lgbm = lgbm.predict(plain.x_raw)
        for name, p in (("lightgbm_cutoff", plain_lgbm),
                        ("blend", blend(plain_pred, plain_lgbm))):
            models[name]["val_stale"] = models[name]["val"]
            models[name]["val"] = trainer.score(plain, p)


__all__ = ["extra_results"]
