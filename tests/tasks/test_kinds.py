"""Task kinds as values and the registries keyed by them: `rdl.tasks.kinds`, the models
(`rdl.train.models`), the baselines (`rdl.baselines.registry`), the checkpoint tag."""

from __future__ import annotations

import pytest

from rdl.baselines.registry import BASELINES, baseline_names, baselines_for, learned_baselines
from rdl.tasks import TaskError, TaskType
from rdl.tasks.kinds import (
    BINARY,
    KINDS,
    LINK,
    MULTICLASS,
    REGRESSION,
    KindParts,
    kind_of,
    task_type_value,
)
from rdl.train.checkpoint import checkpoint_kind
from rdl.train.models import MODELS, models_for, models_help
from tests.fixtures.shops import CustomerChurn
from tests.fixtures.shops import churn_shop as shop_db


def test_kind_of_accepts_tasks_types_names_and_kinds():
    task = CustomerChurn(shop_db())
    assert kind_of(task) is task.kind is BINARY
    assert kind_of(TaskType.REGRESSION) is kind_of("regression") is REGRESSION
    assert kind_of(REGRESSION) is REGRESSION
    assert str(LINK) == "link_prediction" and task_type_value(LINK) is TaskType.LINK_PREDICTION
    assert [k.name for k in KINDS.values()][:5] == [
        t.value
        for t in (
            TaskType.BINARY_CLASSIFICATION,
            TaskType.MULTICLASS_CLASSIFICATION,
            TaskType.MULTILABEL_CLASSIFICATION,
            TaskType.REGRESSION,
            TaskType.LINK_PREDICTION,
        )
    ]
    assert BINARY.higher_is_better and not REGRESSION.higher_is_better
    with pytest.raises(TaskError, match="'ranking' is not a registered task kind.*register_kind"):
        kind_of("ranking")


def test_a_task_without_metrics_gets_its_kinds_defaults():
    class Churn(CustomerChurn):
        metrics = None

    assert (
        Churn(shop_db()).metrics
        == list(BINARY.metrics)
        == ["roc_auc", "average_precision", "accuracy", "f1"]
    )
    assert CustomerChurn(shop_db()).metrics == ["roc_auc", "average_precision"]  # control


def test_kind_parts_say_how_to_register_a_missing_part():
    parts: KindParts[int] = KindParts("widget", "widgets.add")
    parts.register(BINARY, 1)
    assert parts.get("binary_classification") == 1 and BINARY in parts
    assert parts.find(LINK) is None and "nonsense" not in parts
    with pytest.raises(
        TaskError, match="'link_prediction' has no widget; register one with widgets.add"
    ):
        parts.get(LINK)
    assert parts.unregister(BINARY) == 1 and BINARY not in parts


def test_models_registry_serves_each_kind_default_first():
    assert list(MODELS) == ["gnn", "two-tower", "idgnn", "contextgnn"]  # the --model choices
    assert [e.name for e in models_for(BINARY)] == ["gnn"]
    assert [e.name for e in models_for(MULTICLASS)] == ["gnn"]
    assert [e.name for e in models_for(LINK)] == ["two-tower", "idgnn", "contextgnn"]
    assert "contextgnn (link tasks)" in models_help() and "gnn (entity tasks)" in models_help()


def test_make_trainer_refuses_a_model_of_another_kind():
    from rdl.train.config import ConfigError
    from rdl.train.models import make_trainer

    task = CustomerChurn(shop_db())
    with pytest.raises(
        ConfigError,
        match="'idgnn' is for link tasks.*binary_classification task, trained with model='gnn'",
    ):
        make_trainer(task, None, None, None, "idgnn")
    with pytest.raises(ConfigError, match="unknown model 'mlp'"):
        make_trainer(task, None, None, None, "mlp")


def test_baselines_registry_per_kind_in_report_order():
    assert [e.name for e in baselines_for(BINARY)] == [
        "random",
        "majority",
        "entity_mean",
        "lightgbm_entity",
        "lightgbm_aggregated",
    ]
    assert [e.name for e in baselines_for(REGRESSION)] == [
        "random",
        "global_mean",
        "global_median",
        "entity_mean",
        "lightgbm_entity",
        "lightgbm_aggregated",
    ]
    assert [e.name for e in baselines_for(LINK)] == ["global_popularity", "past_visits"]
    assert set(baseline_names()) == set(BASELINES) >= {"past_visits", "majority"}
    assert learned_baselines() == ("lightgbm_entity", "lightgbm_aggregated")
    assert all(e.help for e in BASELINES.values())


@pytest.mark.parametrize(
    "ckpt, tag",
    [
        ({"kind": "entity", "task_type": "link_prediction"}, "entity"),  # stored: wins
        ({"task_type": "regression", "entity_table": "users"}, "entity"),  # old: from task_type
        ({"task_type": "link_prediction", "src_entity_table": "users"}, "link"),
        ({"entity_table": "users"}, "entity"),  # no task type: from the keys
        ({"src_entity_table": "users"}, "link"),
        ({"task_type": "unregistered", "src_entity_table": "users"}, "link"),
    ],
)
def test_checkpoint_kind_is_stored_or_inferred_once(ckpt, tag):
    assert checkpoint_kind(ckpt) == tag


def test_serving_refuses_a_tag_nothing_serves():
    from rdl.serve.kinds import SERVING, serving_of

    assert serving_of({"kind": "entity"}) is SERVING["entity"]
    assert not serving_of({"kind": "link"}).entity_model
    with pytest.raises(ValueError, match="kind 'graph' that rdl cannot serve.*register_serving"):
        serving_of({"kind": "graph", "path": "m/model.pt"})
