"""What an entity training run reports beside the GNN's own scores (how much the
stale-history and seed-feature inputs and the blend add):

* under ``"relbench"``: the score on RelBench's validation inputs (``"val"``) and on the
  stale validation (``"val_stale"``: val seeds see rows up to the val timestamp only, as
  test seeds up to the test timestamp), whichever of the two the model was selected on
  (``config.stale_val``);
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
    other = None  # (key, seeds, GNN predictions) of the validation not selected on
    if cfg.protocol == "relbench":
        t0 = time.perf_counter()
        o = trainer.make_seeds(tables["val"], stale_val=not cfg.stale_val)
        v = seeds["val"]
        same = (
            o.cutoff is not None and v.cutoff is not None and np.array_equal(o.cutoff, v.cutoff)
        )  # e.g. one test seed time: nothing is stale
        other = (
            "val" if cfg.stale_val else "val_stale",
            o,
            np.asarray(pred["val"]) if same else trainer.predict(o),
        )
        if cfg.stale_val:
            gnn["val_stale"] = gnn["val"]
        gnn[other[0]] = trainer.score(o, other[2])
        gnn["eval_seconds"] += time.perf_counter() - t0
    if not trainer.blend:
        return
    from rdl.baselines import LightGBMBaseline

    t0 = time.perf_counter()
    target = task.target_col
    lgbm = LightGBMBaseline("aggregated", seed=cfg.seed, protocol=cfg.protocol)
    lgbm.fit(
        task,
        seeds["train"].x_raw,
        tables["train"].df[target],
        seeds["val"].x_raw,
        tables["val"].df[target],
    )
    lpred = {s: lgbm.predict(seeds[s].x_raw) for s in ("val", "test")}
    fit_s = time.perf_counter() - t0
    models["lightgbm_cutoff"] = {
        "val": trainer.score(seeds["val"], lpred["val"]),
        "test": trainer.score(seeds["test"], lpred["test"]),
        "fit_seconds": fit_s,
        "num_features": lgbm.num_features,
        "best_iteration": lgbm.best_iteration,
        "params": lgbm.best_params,
    }
    metric = task.metrics[0]
    blend = fit_blend(
        trainer.task_type, metric, seeds["val"].y.numpy(), np.asarray(pred["val"]), lpred["val"]
    )
    trainer.extra_predictions["lightgbm_cutoff"] = lpred
    trainer.extra_predictions["blend"] = {s: blend(pred[s], lpred[s]) for s in ("val", "test")}
    models["blend"] = {
        "val": trainer.score(seeds["val"], blend(pred["val"], lpred["val"])),
        "test": trainer.score(seeds["test"], blend(pred["test"], lpred["test"])),
        "weight_gnn": blend.weight,
        "val_curve": blend.curve,
        "fit_seconds": time.perf_counter() - t0,
    }
    if other is not None:
        key, o, o_pred = other
        o_lgbm = lgbm.predict(o.x_raw)
        for name, p in (("lightgbm_cutoff", o_lgbm), ("blend", blend(o_pred, o_lgbm))):
            if cfg.stale_val:
                models[name]["val_stale"] = models[name]["val"]
            models[name][key] = trainer.score(o, p)


__all__ = ["extra_results"]
