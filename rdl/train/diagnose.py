"""Warnings about a trained model that did not learn: the report must never show a model
at chance beside baselines that work without saying so (a GNN at chance next to a
working baseline looks like a result unless the report says otherwise).

Two checks, run by the training job on its results dict (`model_warnings`):

* **loses to the simple baselines**: the model's validation value of the task's first
  metric (the early-stopping one) does not beat the best *simple* baseline's (every
  baseline but LightGBM: majority, entity mean, popularity, ...) by more than `TOLERANCE`
  of it. Losing to LightGBM is
  reported in its own, milder paragraph.
* **never beat the label prior**: the lowest epoch-mean training loss is not below the
  loss of a model that outputs the label distribution of the training set and nothing
  else (`label_prior_loss`): the label-prior entropy for classification (BCE / cross
  entropy, nats), the mean absolute deviation from the median for regression (L1).

Each warning is one paragraph: which model, the figures, and what to try.
"""

from __future__ import annotations

import math

import numpy as np

from rdl.baselines.registry import learned_baselines
from rdl.db.errors import arg, said
from rdl.metrics import higher_is_better
from rdl.train.heads import HEADS

#: baselines that are not "simple" (learned models on features; `rdl.baselines.registry`)
LEARNED_BASELINES = learned_baselines()


def label_prior_loss(task_type, y) -> float | None:
    """The training loss of the best input-blind model on labels ``y``.

    Args:
        task_type: a task kind (`rdl.tasks.kinds.TaskKind`, its name or a task).
        y: training labels: ``[n]`` 0/1 (binary), class ids (multiclass), reals
            (regression) or ``[n, L]`` 0/1 (multilabel).

    Returns:
        the kind's `rdl.train.heads.EntityHead.prior_loss` — binary: the entropy ``H(p)``
        of the positive rate in nats (BCE with logits of the constant ``logit(p)``);
        multiclass: the entropy of the class frequencies (cross entropy); multilabel: the
        mean of the per-label binary entropies; regression: ``mean |y - median(y)|`` (L1
        of the constant median). ``None`` for kinds without an entity head (link) or no
        labels.
    """
    head = HEADS.find(task_type)
    y = np.asarray(y, dtype=np.float64)
    if head is None or y.size == 0:
        return None
    return head.prior_loss(y)


def _value(entry: dict, split: str, metric: str) -> float | None:
    v = (entry.get(split) or {}).get(metric)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _best(baselines: dict, names, metric: str, higher: bool) -> tuple[str, float] | None:
    scored = [(n, v) for n in names if (v := _value(baselines[n], "val", metric)) is not None]
    if not scored:
        return None
    return (max if higher else min)(scored, key=lambda nv: nv[1])


#: a model "beats" a baseline only by more than this share of the baseline's value (at
#: least this much in absolute terms): a regression model that predicts the median
#: everywhere ties the median baseline up to float noise
TOLERANCE = 1e-4


def _interval(entry: dict, metric: str) -> dict | None:
    return ((entry.get("intervals") or {}).get("val") or {}).get(metric)


def _overlap(a: dict, b: dict, metric: str) -> bool:
    """Whether the val intervals (`rdl.train.evidence`) of two entries overlap."""
    ia, ib = _interval(a, metric), _interval(b, metric)
    return bool(ia and ib and ia["low"] <= ib["high"] and ib["low"] <= ia["high"])


def _iv_text(entry: dict, metric: str) -> str:
    iv = _interval(entry, metric) or {}
    return f"[{iv.get('low', float('nan')):.4f}, {iv.get('high', float('nan')):.4f}]"


def _beats(a: float, b: float, higher: bool) -> bool:
    tol = TOLERANCE * max(abs(b), 1.0)
    return a > b + tol if higher else a < b - tol


def model_warnings(results: dict) -> list[str]:
    """One paragraph per problem found in ``results`` (the job's results dict): a model
    whose validation metric does not beat the best simple baseline (or LightGBM), and a
    model whose training loss never dropped below its ``prior_loss`` (entries of
    ``results["models"]`` carry ``history`` and ``prior_loss``)."""
    metrics = results.get("metrics") or []
    if not metrics:
        return []
    metric = metrics[0]
    try:
        higher = higher_is_better(metric)
    except ValueError:
        higher = True
    baselines = results.get("baselines") or {}
    simple = _best(baselines, [n for n in baselines if n not in LEARNED_BASELINES], metric, higher)
    learned = _best(baselines, [n for n in baselines if n in LEARNED_BASELINES], metric, higher)
    out = []
    for name, entry in (results.get("models") or {}).items():
        val = _value(entry, "val", metric)
        if (
            val is not None
            and simple is not None
            and not _beats(val, simple[1], higher)
            and _overlap(entry, baselines[simple[0]], metric)
        ):
            out.append(
                f"{name}: its validation {metric} {val:.4f} is level with the best simple "
                f"baseline, {simple[0]} ({simple[1]:.4f}): the two 95% intervals overlap "
                f"({_iv_text(entry, metric)} vs {_iv_text(baselines[simple[0]], metric)}), so "
                "the difference is within the noise of this validation set."
            )
        elif val is not None and simple is not None and not _beats(val, simple[1], higher):
            out.append(
                said(
                    f"{name}: its validation {metric} {val:.4f} does not beat the best simple "
                    f"baseline, {simple[0]} ({simple[1]:.4f}). The model learned less than a "
                    "rule of thumb, so trust the baseline, not the model's test figures. Try "
                    f"more epochs ({arg('epochs')}), a smaller learning rate ({arg('lr')}) or "
                    f"batch ({arg('batch_size')}), or check that the task's label depends on rows "
                    f"the model can reach ({arg('num_neighbors')})."
                )
            )
        elif val is not None and learned is not None and not _beats(val, learned[1], higher):
            out.append(
                f"{name}: its validation {metric} {val:.4f} does not beat {learned[0]} "
                f"({learned[1]:.4f}): LightGBM on hand-made features does better on this "
                "task."
            )
        prior = entry.get("prior_loss")
        losses = [h.get("loss") for h in entry.get("history") or []]
        losses = [v for v in losses if v is not None and not math.isnan(v)]
        # a model that beats the simple baselines on validation did learn, whatever its
        # loss says (ContextGNN's loss is not the one the prior is computed for)
        learned_something = (
            val is not None and simple is not None and _beats(val, simple[1], higher)
        )
        if prior is not None and losses and min(losses) >= prior and not learned_something:
            out.append(
                said(
                    f"{name}: its training loss never dropped below {prior:.4f}, the loss of "
                    f"predicting the training labels' distribution alone (lowest epoch loss "
                    f"{min(losses):.4f} over {len(losses)} epoch(s)): the model did not learn "
                    f"from its inputs. Try more epochs ({arg('epochs')}), a different learning "
                    f"rate ({arg('lr')}) or more optimiser steps per epoch "
                    f"({arg('min_steps_per_epoch')})."
                )
            )
    return out


__all__ = ["LEARNED_BASELINES", "TOLERANCE", "label_prior_loss", "model_warnings"]
