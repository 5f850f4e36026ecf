"""Uncertainty of a metric: a percentile bootstrap interval that resamples *entities*.

Rows of one entity (its seed times) are not independent, so the bootstrap draws entities
with replacement and keeps all of a drawn entity's rows (a cluster bootstrap; Field &
Welsh 2007, "Bootstrapping clustered data"): entity ``e`` drawn ``c`` times weighs its
rows by ``c``. Each draw's metric is computed from the weights without copying rows:

* metrics that are a mean over rows (accuracy, log loss, MAE, MSE, RMSE, MAP@k,
  recall@k, precision@k, NDCG@k) from per-row values, all draws at once;
* AUROC from one sort: per distinct score, the weighted positives times the weighted
  negatives ranked below (ties count half), all draws at once (the Mann-Whitney form);
  average precision likewise (scikit-learn's step form); F1 and R² from weighted sums;
* any other metric (multiclass / multilabel ones) by calling it on the resampled rows,
  at most `GENERIC_DRAWS` draws (slower).

The interval is the ``(1 - level) / 2`` and ``(1 + level) / 2`` percentiles of the draws
(Efron & Tibshirani 1993, ch. 13). A draw where the metric is undefined (one class only)
is left out; ``draws_used`` says how many counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rdl.metrics.registry import METRICS

#: metrics computed as the mean of per-row values (``rmse``: the root of the mean)
_ROW_MEAN = {
    "accuracy",
    "log_loss",
    "mae",
    "mse",
    "rmse",
    "map_at_k",
    "recall_at_k",
    "precision_at_k",
    "ndcg_at_k",
}
_RANKING = {"map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"}
#: metrics computed from per-entity sums of the rows (linear in the weights)
_SUMS = {"f1", "r2"}
#: the slow path (the metric called on each resampled copy) runs at most this many draws
GENERIC_DRAWS = 200
#: large splits: at most this many rows x draws per interval (a 100k-row split gets 200
#: draws instead of 1,000, about 2 s an interval on a laptop core), never fewer than
#: `MIN_DRAWS`; the interval records the draws it used
MAX_WORK = 20_000_000
MIN_DRAWS = 200
_CHUNK = 64  # draws per vectorised block (memory: CHUNK x rows floats)


def entity_counts(groups: np.ndarray, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(counts [draws, num_entities], entity index of each row [n])``: how often each
    entity is drawn in each bootstrap sample (each draw takes ``num_entities`` entities
    with replacement)."""
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    g = int(inverse.max()) + 1 if len(inverse) else 0
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, g, size=(draws, g)) + (np.arange(draws) * g)[:, None]
    counts = np.bincount(picks.ravel(), minlength=draws * g).reshape(draws, g)
    return counts.astype(np.float64), inverse


def _row_values(name: str, true: Any, pred: Any, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``(value, valid)`` per row for a mean-decomposable metric."""
    if name in _RANKING:
        fn = METRICS[name]
        vals = np.zeros(len(true))
        ok = np.zeros(len(true), dtype=bool)
        for i, (t, p) in enumerate(zip(true, pred)):
            try:
                vals[i] = fn([t], [p], k)
                ok[i] = True
            except ValueError:  # an empty true set: not evaluated (RelBench drops it)
                pass
        return vals, ok
    t = np.asarray(true, dtype=np.float64)
    p = np.asarray(pred, dtype=np.float64)
    if name == "accuracy":
        if p.ndim == 2:
            return (p.argmax(axis=1) == t).astype(float), np.ones(len(t), bool)
        return ((p >= 0.5).astype(float) == t).astype(float), np.ones(len(t), bool)
    if name == "log_loss":
        q = np.clip(p, 1e-15, 1 - 1e-15)
        return -(t * np.log(q) + (1 - t) * np.log(1 - q)), np.ones(len(t), bool)
    err = p - t
    return (np.abs(err) if name == "mae" else err**2), np.ones(len(t), bool)


def _weighted_auroc(
    w: np.ndarray, y: np.ndarray, order: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """AUROC per row of the weights ``w`` [B, n] (rows sorted by score: ``order``; the
    distinct scores start at ``starts``)."""
    wp, wn = w[:, order] * y[order], w[:, order] * (1.0 - y[order])
    P, N = np.add.reduceat(wp, starts, axis=1), np.add.reduceat(wn, starts, axis=1)
    below = np.cumsum(N, axis=1) - N
    num = (P * (below + 0.5 * N)).sum(axis=1)
    den = P.sum(axis=1) * N.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _from_sums(
    name: str, t: np.ndarray, p: np.ndarray, counts: np.ndarray, ent: np.ndarray
) -> np.ndarray:
    """F1 (at ``p >= 0.5``) and R² per draw from per-entity sums (linear in the weights)."""
    g = counts.shape[1]

    def tot(x):
        return counts @ np.bincount(ent, weights=x, minlength=g)

    with np.errstate(invalid="ignore", divide="ignore"):
        if name == "f1":
            pos = (p >= 0.5).astype(float)
            tp, fp, fn = tot(t * pos), tot((1 - t) * pos), tot(t * (1 - pos))
            den = 2 * tp + fp + fn
            return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)
        n, st, stt, sres = tot(np.ones_like(t)), tot(t), tot(t * t), tot((t - p) ** 2)
        sstot = stt - st * st / np.where(n > 0, n, 1)
        ok = (n >= 2) & (sstot > 1e-12 * np.maximum(stt, 1))
        return np.where(ok, 1 - sres / np.where(ok, sstot, 1), np.nan)


def _weighted_ap(w: np.ndarray, y: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Average precision (scikit-learn's step form) per row of the weights ``w`` [B, n];
    rows sorted by score descending (``order``), distinct scores starting at ``starts``."""
    tpb = np.add.reduceat(w[:, order] * y[order], starts, axis=1)
    fpb = np.add.reduceat(w[:, order] * (1.0 - y[order]), starts, axis=1)
    tp, fp = np.cumsum(tpb, axis=1), np.cumsum(fpb, axis=1)
    total = tp[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        ap = (tpb * prec).sum(axis=1) / total[:, 0]
        has_both = (total[:, 0] > 0) & (fp[:, -1] > 0)
    return np.where(has_both, ap, np.nan)


def bootstrap_draws(
    name: str,
    true: Any,
    pred: Any,
    groups: Any,
    *,
    draws: int = 1000,
    seed: int = 0,
    k: int | None = None,
) -> np.ndarray:
    """The metric on ``draws`` entity-resampled copies of ``(true, pred)`` (``[draws]``,
    NaN where undefined).

    Args:
        name: a metric of `rdl.metrics.METRICS`.
        true, pred: as the metric takes them (``[n]``, ``[n, C]`` or lists of ids).
        groups: ``[n]`` the entity of each row (resampling unit).
        k: the cut-off of ranking metrics.

    Raises:
        ValueError: an unknown metric, or ``groups`` not of the rows' length.
    """
    if name not in METRICS:
        raise ValueError(f"bootstrap: unknown metric {name!r}; known: {sorted(METRICS)}")
    n = len(true)
    if len(groups) != n:
        raise ValueError(f"bootstrap: groups has {len(groups)} rows, true has {n}")
    counts, ent = entity_counts(np.asarray(groups), draws, seed)
    out = np.full(draws, np.nan)
    if name in _ROW_MEAN:
        vals, ok = _row_values(name, true, pred, k)
        g = counts.shape[1]
        sums = np.bincount(ent[ok], weights=vals[ok], minlength=g)
        nums = np.bincount(ent[ok], minlength=g).astype(float)
        tot, m = counts @ sums, counts @ nums
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(m > 0, tot / m, np.nan)
        return np.sqrt(out) if name == "rmse" else out
    if name in _SUMS and np.ndim(pred) == 1:
        return _from_sums(
            name,
            np.asarray(true, dtype=np.float64),
            np.asarray(pred, dtype=np.float64),
            counts,
            ent,
        )
    if name == "average_precision" and np.ndim(pred) == 1:
        y = np.asarray(true, dtype=np.float64)
        s = np.asarray(pred, dtype=np.float64)
        order = np.argsort(-s, kind="stable")
        sorted_s = s[order]
        starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
        for lo in range(0, draws, _CHUNK):
            w = counts[lo : lo + _CHUNK][:, ent]
            out[lo : lo + _CHUNK] = _weighted_ap(w, y, order, starts)
        return out
    if name == "roc_auc" and np.ndim(pred) == 1:
        y = np.asarray(true, dtype=np.float64)
        s = np.asarray(pred, dtype=np.float64)
        order = np.argsort(s, kind="stable")
        sorted_s = s[order]
        starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
        for lo in range(0, draws, _CHUNK):
            w = counts[lo : lo + _CHUNK][:, ent]
            out[lo : lo + _CHUNK] = _weighted_auroc(w, y, order, starts)
        return out
    fn = METRICS[name]
    draws = min(draws, GENERIC_DRAWS)
    out = out[:draws]
    t_arr, p_arr = (
        np.asarray(true, dtype=object),
        np.asarray(pred, dtype=object) if name in _RANKING else np.asarray(pred),
    )
    rows_of = [np.flatnonzero(ent == e) for e in range(counts.shape[1])]
    for b in range(draws):
        idx = np.concatenate([np.repeat(rows_of[e], int(c)) for e, c in enumerate(counts[b]) if c])
        try:
            out[b] = (
                fn(np.asarray(true)[idx], p_arr[idx])
                if name not in _RANKING
                else fn(list(t_arr[idx]), list(p_arr[idx]), k)
            )
        except ValueError:  # undefined on this draw (one class only)
            pass
    return out


def bootstrap_interval(
    name: str,
    true: Any,
    pred: Any,
    groups: Any,
    *,
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    k: int | None = None,
) -> dict | None:
    """A ``level`` percentile interval of metric ``name`` by the entity bootstrap (see
    the module doc).

    Returns:
        ``{"low", "high", "level", "draws", "draws_used", "method"}``, or ``None`` when
        fewer than half of the draws define the metric.

    Raises:
        ValueError: as `bootstrap_draws`; ``level`` outside (0, 1).
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"bootstrap: level must be in (0, 1) (got {level!r})")
    draws = max(MIN_DRAWS, min(draws, MAX_WORK // max(len(true), 1)))
    values = bootstrap_draws(name, true, pred, groups, draws=draws, seed=seed, k=k)
    used = values[np.isfinite(values)]
    if len(used) < draws / 2:
        return None
    lo, hi = np.percentile(used, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return {
        "low": float(lo),
        "high": float(hi),
        "level": level,
        "draws": draws,
        "draws_used": len(used),
        "method": "percentile bootstrap over entities",
    }


def overlap(a: dict | None, b: dict | None) -> bool:
    """Whether two intervals (`bootstrap_interval` dicts) overlap; ``False`` when either
    is missing."""
    if not a or not b:
        return False
    return a["low"] <= b["high"] and b["low"] <= a["high"]


__all__ = ["bootstrap_draws", "bootstrap_interval", "entity_counts", "overlap"]
