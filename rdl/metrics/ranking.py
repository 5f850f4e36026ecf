"""Ranking metrics for link prediction / recommendation: MAP@k, recall@k, precision@k, NDCG@k.

Inputs: ``true_lists`` is a length-``n`` sequence of collections of relevant
destination ids (one per source row); ``pred_lists`` is ``[n, >=k]`` destination
ids ranked best first. Ids may be any hashable values (ints, strings).

The contract is RelBench's (``relbench.metrics``: ``link_prediction_map``,
``link_prediction_recall``, ``link_prediction_precision``): per source row a
boolean hit vector over the top ``k`` (RelBench's ``pred_isin``) and the number
of relevant ids (``dst_count``); rows without any relevant id are dropped; the
mean is over the remaining rows. In particular MAP@k divides each row's sum of
precisions at the hits by ``min(k, |true|)``.

Why not ``torchmetrics.retrieval``: its ``retrieval_average_precision(preds,
target, top_k)`` (torchmetrics 1.9.0, read and run) divides by the number of
relevant ids *found in the top k*, not by ``min(k, |true|)``: for
``true = {8, 9, 10, 11}`` and the ranking ``[9, 6, 12]`` at ``k = 3`` it gives
1.0 where RelBench gives 1/3. It also wants dense per-query score and
relevance vectors over one candidate set (relevant ids that were not ranked
must be added with a score of 0), counts an empty query as 0 instead of
dropping it, and zeroes the relevance of any score ``<= 0``. Its NDCG agrees
with ours, but building those dense vectors costs more code than the three
numpy lines it would replace. So the four metrics are computed here, vectorised
over the ``[m, k]`` hit matrix; the tests check them against hand-computed
values, RelBench's ``pred_isin`` formulas, ``sklearn.metrics.ndcg_score`` and
``sklearn.metrics.average_precision_score``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from rdl.metrics._checks import MAX_LISTED, check_k, check_lengths, fmt_positions

__all__ = ["map_at_k", "ndcg_at_k", "precision_at_k", "recall_at_k"]


# --------------------------------------------------------------------------
# inputs -> hit matrix
# --------------------------------------------------------------------------


def _rows(pred_lists: Any, metric: str) -> list[np.ndarray]:
    """``pred_lists`` as a list of 1-D id arrays, one per source row."""
    if isinstance(pred_lists, (pd.Series, pd.DataFrame)):
        pred_lists = pred_lists.to_numpy()
    if isinstance(pred_lists, np.ndarray):
        if pred_lists.ndim == 2:
            return list(pred_lists)
        if pred_lists.ndim == 1 and (len(pred_lists) == 0 or pred_lists.dtype == object):
            return [np.asarray(r) for r in pred_lists]
        raise ValueError(
            f"{metric}: pred must be [n, k] ranked destination ids (or a list of lists), "
            f"got array of shape {pred_lists.shape}"
        )
    if not isinstance(pred_lists, Iterable):
        raise ValueError(
            f"{metric}: pred must be [n, k] ranked destination ids (or a list of lists), "
            f"got {type(pred_lists).__name__}"
        )
    return [np.asarray(r) for r in pred_lists]


def _true_set(row: Any, i: int, metric: str) -> set:
    """Row ``i`` of ``true_lists`` as a set of ids (``None`` is empty)."""
    if row is None:
        return set()
    if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
        raise ValueError(
            f"{metric}: true row {i} must be a collection of destination ids, got "
            f"{type(row).__name__} {row!r}"
        )
    try:
        return set(row.tolist() if isinstance(row, np.ndarray) else row)
    except TypeError as e:
        raise ValueError(f"{metric}: true row {i} has unhashable destination ids: {e}") from None


def _resolve_k(pred_rows: list[np.ndarray], k: Any, metric: str) -> int:
    """``k`` itself, or (``k=None``) the common width of the pred rows (RelBench's ``eval_k``)."""
    if k is None:
        widths = {len(r) for r in pred_rows}
        if len(widths) != 1:
            raise ValueError(
                f"{metric}: k=None needs every pred row to have the same length, got "
                f"lengths {sorted(widths)[:MAX_LISTED]}; pass k explicitly"
            )
        k = widths.pop()
        if k == 0:
            raise ValueError(f"{metric}: pred rows are empty (k=0); k must be positive")
    k = check_k(k, metric)
    short = [i for i, r in enumerate(pred_rows) if len(r) < k]
    if short:
        raise ValueError(
            f"{metric}: pred must have at least k={k} ranked ids per row, but "
            f"{len(short)} row(s) are shorter: row(s) {fmt_positions(short, len(short))} "
            f"(e.g. row {short[0]} has {len(pred_rows[short[0]])})"
        )
    return k


def _check_ids_finite(pred_rows: list[np.ndarray], metric: str) -> None:
    """No NaN / inf / ``None`` among the ranked ids; lists them as ``(row, rank)``."""
    bad_pos: list[tuple[int, int]] = []
    for i, r in enumerate(pred_rows):
        if r.dtype.kind in "fc":
            bad = np.flatnonzero(~np.isfinite(r))
            bad_pos.extend((i, int(j)) for j in bad)
        elif r.dtype == object:
            bad_pos.extend(
                (i, j)
                for j, v in enumerate(r)
                if v is None or (isinstance(v, float) and not math.isfinite(v))
            )
    if bad_pos:
        raise ValueError(
            f"{metric}: pred contains {len(bad_pos)} NaN/inf/None id(s) at position(s) "
            f"(row, rank) {fmt_positions(bad_pos, len(bad_pos))}"
        )


def _hits(
    true_lists: Any, pred_lists: Any, k: Any, metric: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """RelBench's ``pred_isin`` ``[m, k]`` (bool) and ``dst_count`` ``[m]`` over the rows
    whose true set is not empty, and the resolved ``k``."""
    if isinstance(true_lists, (pd.Series, pd.Index)):
        true_lists = true_lists.tolist()
    if true_lists is None or pred_lists is None:
        raise ValueError(f"{metric}: true and pred must not be None")
    if not isinstance(true_lists, Iterable):
        raise ValueError(
            f"{metric}: true must be a sequence of collections of destination ids, got "
            f"{type(true_lists).__name__}"
        )
    true_rows = list(true_lists)
    pred_rows = _rows(pred_lists, metric)
    check_lengths(true_rows, pred_rows, metric)
    if len(true_rows) == 0:
        raise ValueError(f"{metric}: empty input: true and pred have 0 rows")
    k = _resolve_k(pred_rows, k, metric)
    _check_ids_finite(pred_rows, metric)

    hits_rows: list[np.ndarray] = []
    counts: list[int] = []
    dups: list[int] = []
    for i, (t_row, p_row) in enumerate(zip(true_rows, pred_rows)):
        top = p_row[:k].tolist()
        if len(set(top)) != len(top):
            dups.append(i)
            continue
        rel = _true_set(t_row, i, metric)
        if not rel:
            continue  # RelBench drops source rows without any destination
        hits_rows.append(np.fromiter((x in rel for x in top), dtype=bool, count=k))
        counts.append(len(rel))
    if dups:
        raise ValueError(
            f"{metric}: pred repeats a destination id within the top k={k} in "
            f"{len(dups)} row(s): {fmt_positions(dups, len(dups))}; rankings must not "
            f"contain duplicates"
        )
    if not hits_rows:
        raise ValueError(
            f"{metric}: every one of the {len(true_rows)} rows has an empty true set; "
            f"nothing to evaluate (rows without relevant ids are skipped)"
        )
    return np.stack(hits_rows), np.asarray(counts, dtype=np.float64), k


# --------------------------------------------------------------------------
# the metrics
# --------------------------------------------------------------------------


def map_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Mean average precision at ``k`` (MAP@k). Higher is better; in ``[0, 1]``.

    Per source row with relevant set ``T`` and hits ``rel_i`` (1 if the
    ``i``-th ranked id is in ``T``)::

        AP@k = sum_{i<=k} precision@i * rel_i / min(k, |T|)

    then the mean over rows. A ranking that puts all of ``T`` (or ``k`` of it)
    first scores 1.

    Args:
        true_lists: length-``n`` sequence of collections (list / set / array)
            of relevant destination ids per source row; duplicates count once,
            ``None`` counts as empty.
        pred_lists: ``[n, >=k]`` array, or list of lists, of destination ids
            ranked best first; only the first ``k`` of each row are used and
            they must not repeat.
        k: cut-off; ``None`` (default) uses the width of ``pred_lists``
            (RelBench's ``eval_k``), which must then be rectangular.

    Rows whose true set is empty are skipped (RelBench drops such source rows
    from its task tables); the mean is over the remaining rows.

    Raises:
        ValueError: ``k`` not a positive integer; length mismatch between
            ``true_lists`` and ``pred_lists`` (both lengths named); empty input;
            a pred row shorter than ``k`` (rows listed); NaN/inf/None ids in
            ``pred_lists`` (``(row, rank)`` listed); a repeated id in a row's top
            ``k``; every true set empty; a true row that is not a collection.

    Source: RelBench ``link_prediction_map`` (the same formula from ids instead
    of a ``pred_isin`` matrix); Manning, Raghavan & Schütze, *Introduction to
    Information Retrieval* (2008), ch. 8. Not ``torchmetrics``' AP, which
    divides by the hits in the top ``k`` (see the module docstring).
    """
    hits, counts, k = _hits(true_lists, pred_lists, k, "map_at_k")
    prec_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (prec_at_i * hits).sum(axis=1) / np.minimum(counts, k)
    return float(ap.mean())


def recall_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Recall at ``k``: per row ``|top-k ∩ T| / |T|``, mean over rows. Higher is better.

    Args:
        true_lists: length-``n`` sequence of collections of relevant
            destination ids per source row; duplicates count once, ``None``
            counts as empty.
        pred_lists: ``[n, >=k]`` destination ids ranked best first (array or
            list of lists); the first ``k`` of each row must not repeat.
        k: cut-off; ``None`` uses the (rectangular) width of ``pred_lists``.

    Rows whose true set is empty are skipped; the mean is over the others.

    Raises:
        ValueError: as :func:`map_at_k` (bad ``k``, length mismatch, empty
            input, short pred rows, NaN/inf/None ids, repeated ids, every true
            set empty, a true row that is not a collection).

    Source: RelBench ``link_prediction_recall``.
    """
    hits, counts, _ = _hits(true_lists, pred_lists, k, "recall_at_k")
    return float((hits.sum(axis=1) / counts).mean())


def precision_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Precision at ``k``: per row ``|top-k ∩ T| / k``, mean over rows. Higher is better.

    Args:
        true_lists: length-``n`` sequence of collections of relevant
            destination ids per source row; duplicates count once, ``None``
            counts as empty.
        pred_lists: ``[n, >=k]`` destination ids ranked best first (array or
            list of lists); the first ``k`` of each row must not repeat.
        k: cut-off; ``None`` uses the (rectangular) width of ``pred_lists``.

    Rows whose true set is empty are skipped; the mean is over the others.
    A row with fewer than ``k`` relevant ids cannot reach 1.

    Raises:
        ValueError: as :func:`map_at_k` (bad ``k``, length mismatch, empty
            input, short pred rows, NaN/inf/None ids, repeated ids, every true
            set empty, a true row that is not a collection).

    Source: RelBench ``link_prediction_precision``.
    """
    hits, _, k = _hits(true_lists, pred_lists, k, "precision_at_k")
    return float((hits.sum(axis=1) / k).mean())


def ndcg_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary relevance.

    Per row::

        DCG@k  = sum_{i<=k} rel_i / log2(i + 1)
        IDCG@k = sum_{i<=min(k, |T|)} 1 / log2(i + 1)

    and ``DCG@k / IDCG@k``, mean over rows. Higher is better; in ``[0, 1]``.
    Equals ``sklearn.metrics.ndcg_score`` on 0/1 relevance with untied scores.

    Args:
        true_lists: length-``n`` sequence of collections of relevant
            destination ids per source row; duplicates count once, ``None``
            counts as empty.
        pred_lists: ``[n, >=k]`` destination ids ranked best first (array or
            list of lists); the first ``k`` of each row must not repeat.
        k: cut-off; ``None`` uses the (rectangular) width of ``pred_lists``.

    Rows whose true set is empty are skipped; the mean is over the others.

    Raises:
        ValueError: as :func:`map_at_k` (bad ``k``, length mismatch, empty
            input, short pred rows, NaN/inf/None ids, repeated ids, every true
            set empty, a true row that is not a collection).

    Source: Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR
    techniques", ACM TOIS 20(4), 2002; ``sklearn.metrics.ndcg_score``.
    """
    hits, counts, k = _hits(true_lists, pred_lists, k, "ndcg_at_k")
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discount).sum(axis=1)
    ideal = np.cumsum(discount)[np.minimum(counts, k).astype(np.int64) - 1]
    return float((dcg / ideal).mean())
