"""The metric registry and the public API of rdl.metrics.

The first three tests moved from tests/test_metrics.py with their assertions
unchanged; the public-API and docstring tests guard the split into a package.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from rdl import metrics as M
from rdl.metrics import (
    METRICS,
    higher_is_better,
    mae,
    roc_auc,
)
from tests.fixtures.metrics import (
    B_PRED,
    B_TRUE,
    MC_PRED,
    MC_TRUE,
    ML_PRED,
    ML_TRUE,
    R_PRED,
    R_TRUE,
    RK_PRED,
    RK_TRUE,
)

# registry
# --------------------------------------------------------------------------


def test_registry_contents():
    for name in [
        "roc_auc",
        "average_precision",
        "accuracy",
        "f1",
        "log_loss",
        "mae",
        "mse",
        "rmse",
        "r2",
        "macro_f1",
        "micro_f1",
        "map_at_k",
        "recall_at_k",
        "precision_at_k",
        "ndcg_at_k",
        "multiclass_log_loss",
        "multilabel_auroc_macro",
        "multilabel_ap_macro",
    ]:
        assert callable(METRICS[name])
    for name, fn in METRICS.items():
        assert fn is getattr(M, fn.__name__)
        doc = fn.__doc__ or ""
        assert "Raises" in doc and "Source" in doc, name
    assert set(M.__all__) >= {fn.__name__ for fn in METRICS.values()}


def test_higher_is_better():
    for name in ["mae", "mse", "rmse", "log_loss", "multiclass_log_loss"]:
        assert higher_is_better(name) is False
    for name in [
        "roc_auc",
        "average_precision",
        "accuracy",
        "f1",
        "r2",
        "macro_f1",
        "micro_f1",
        "map_at_k",
        "ndcg_at_k",
        "recall_at_k",
        "precision_at_k",
    ]:
        assert higher_is_better(name) is True
    assert higher_is_better(mae) is False
    assert higher_is_better(roc_auc) is True
    with pytest.raises(ValueError, match=r"higher_is_better: unknown metric 'auc'; known: \["):
        higher_is_better("auc")


def test_registry_functions_work_on_matching_data():
    # every registered metric is callable as f(true, pred)
    for name, fn in METRICS.items():
        if name.endswith("_at_k"):
            fn(RK_TRUE, RK_PRED)
        elif name.startswith("multilabel"):
            fn(ML_TRUE, ML_PRED)
        elif name.startswith("multiclass"):
            fn(MC_TRUE, MC_PRED)
        elif name in {"mae", "mse", "rmse", "r2"}:
            fn(R_TRUE, R_PRED)
        else:
            fn(B_TRUE, B_PRED)


PUBLIC_API = [
    "METRICS",
    "accuracy",
    "average_precision",
    "f1",
    "higher_is_better",
    "log_loss",
    "macro_f1",
    "mae",
    "map_at_k",
    "micro_f1",
    "mse",
    "multiclass_accuracy",
    "multiclass_log_loss",
    "multilabel_ap_macro",
    "multilabel_ap_micro",
    "multilabel_auroc_macro",
    "multilabel_auroc_micro",
    "ndcg_at_k",
    "precision_at_k",
    "r2",
    "recall_at_k",
    "rmse",
    "roc_auc",
]


def test_public_api_is_unchanged():
    # the names of rdl/metrics.py's __all__ before it became a package
    assert sorted(M.__all__) == sorted(PUBLIC_API)
    namespace: dict = {}
    exec("from rdl.metrics import *", namespace)
    assert set(PUBLIC_API) <= set(namespace)


@pytest.mark.parametrize(
    "fn", [*dict.fromkeys(METRICS.values()), higher_is_better], ids=lambda fn: fn.__name__
)
def test_docstrings_are_written_in_the_source(fn):
    # no docstring is assembled at import time: what help() shows is what the file says
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    assert ast.get_docstring(node) == inspect.getdoc(fn)
    doc = inspect.getdoc(fn)
    assert "Raises:" in doc and "ValueError" in doc
    if fn.__name__.endswith("_at_k"):
        assert "Args:" in doc and "Source:" in doc and "true_lists" in doc and "pred_lists" in doc
        assert ("RelBench" in doc) or ("Järvelin" in doc)
