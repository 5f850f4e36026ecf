"""A new task kind from outside rdl: a count kind (Poisson loss, predictions ``exp(out)``)
declared, registered and then trained, served and reported through the normal paths
(`rdl.train.train_task`, `rdl.serve.predict_at`, `rdl.report.write_figures`) — no rdl
module changes. What a kind needs: its `TaskKind` (rdl.tasks.kinds), its entity head
(rdl.train.heads) and, optionally, baselines (rdl.baselines.registry) and figures
(rdl.report.figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rdl.baselines.registry import BASELINES, RUNNERS, BaselineEntry, register_baseline
from rdl.baselines.run import run_entity_baselines
from rdl.baselines.simple import entity_mean
from rdl.report.figures import FIGURES, KIND_FIGURES, register_figures
from rdl.tasks import EntityTask, TaskError
from rdl.tasks.kinds import ENTITY_TAG, KINDS, TaskKind, register_kind
from rdl.train import TrainConfig, train_task
from rdl.train.heads import HEADS, EntityHead, register_head
from tests.fixtures.shops import START
from tests.fixtures.shops import churn_shop as shop_db

NAME = "toy_count"


def _counts(y: pd.Series, what: str, example) -> pd.Series:
    bad = not pd.api.types.is_numeric_dtype(y) or (y < 0).any() or (y != np.round(y)).any()
    if bad:
        raise TaskError(f"a count target {what} must hold integers >= 0")
    return y.astype("float64")


class CountHead(EntityHead):
    """Poisson regression: the model outputs ``log(rate)``."""

    def out_channels(self, train_labels):
        return 1

    def loss_fn(self):
        return torch.nn.PoissonNLLLoss(log_input=True)

    def output(self, out, clamp):
        return torch.exp(out.view(-1))

    def prior_loss(self, y):
        rate = float(y.mean())
        return rate - rate * np.log(rate)  # Poisson NLL of the constant mean (Stirling term off)


def _count_hist(results, preds):
    if preds is None:
        return None
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().hist(preds.loc[preds["split"] == "test", "label"].astype(float))
    return fig


class OrderCount(EntityTask):
    """How many orders does a customer place in ``(t, t + 30 days]``?"""

    name = "order-count"
    entity_table, entity_col, time_col, target_col = "customers", "customer_id", "date", "n"
    task_type = NAME
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 2  # metrics: the kind's defaults
    val_timestamp = START + pd.Timedelta(days=30 * 16)
    test_timestamp = START + pd.Timedelta(days=30 * 19)
    sql = """
        SELECT t.timestamp AS date, c.customer_id, COUNT(o.order_id) AS n
        FROM timestamp_df t CROSS JOIN customers c
        LEFT JOIN orders o ON o.customer_id = c.customer_id
            AND o.date > t.timestamp AND o.date <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, c.customer_id
    """


@pytest.fixture
def toy_kind():
    kind = register_kind(
        TaskKind(NAME, ENTITY_TAG, ("mae", "rmse"), "orders per entity and window", _counts)
    )
    register_head(kind, CountHead())
    register_baseline(
        BaselineEntry("toy_entity_mean", (NAME,), "the entity's mean past count", entity_mean)
    )
    RUNNERS.register(kind, run_entity_baselines)
    register_figures(kind, {"count_hist": _count_hist})
    yield kind
    for parts in (HEADS, RUNNERS, KIND_FIGURES):
        parts.unregister(kind)
    BASELINES.pop("toy_entity_mean")
    FIGURES.pop("count_hist")
    KINDS.pop(NAME)


def test_an_unregistered_kind_is_refused_with_the_fix():
    with pytest.raises(TaskError, match="register_kind"):
        OrderCount(shop_db())


def test_toy_kind_trains_predicts_and_reports(toy_kind, tmp_path):
    from rdl.report import write_figures
    from rdl.serve import predict_at
    from rdl.train.checkpoint import CHECKPOINT

    db = shop_db()
    config = TrainConfig(
        channels=16, encoder_layers=1, num_neighbors=[8, 4], epochs=2, text=False, seed=0
    )
    results = train_task(db, OrderCount, config, out_dir=tmp_path, progress=False)
    assert results["task_type"] == NAME
    gnn = results["models"]["gnn"]
    assert set(gnn["test"]) == {"mae", "rmse"} and np.isfinite(gnn["test"]["mae"])
    train_y = OrderCount(db).get_table("train").df["n"].to_numpy(dtype=float)
    assert gnn["prior_loss"] == pytest.approx(CountHead().prior_loss(train_y))  # the kind's head
    assert list(results["baselines"]) == ["toy_entity_mean"]  # only the kind's baselines

    ckpt = torch.load(tmp_path / CHECKPOINT, weights_only=False)
    assert ckpt["kind"] == ENTITY_TAG and ckpt["task_type"] == NAME
    at = START + pd.Timedelta(days=30 * 20)
    pred = predict_at(tmp_path, db, at)
    assert len(pred) == len(db["customers"].df)
    assert (pred["prediction"] > 0).all()  # exp(log rate): the head's output, not L1's raw value
    # an old checkpoint (no kind stored) is served the same way
    del ckpt["kind"]
    torch.save(ckpt, tmp_path / CHECKPOINT)
    np.testing.assert_allclose(predict_at(tmp_path, db, at)["prediction"], pred["prediction"])

    stems = {p.stem for p in write_figures(tmp_path)}
    assert {"training", "count_hist"} <= stems
    assert not stems & {"roc", "pred_vs_true", "residuals", "confusion"}  # other kinds' figures
