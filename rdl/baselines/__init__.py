"""Non-GNN baselines for entity tasks: simple statistics, entity mean, and LightGBM on the
entity's own columns or on time-windowed relational aggregates (all leakage-free: a seed
at time ``t`` only sees rows dated ``<= t`` and labels fully observed by ``t``).

`run_baselines(db, task)` runs them all and returns the ``results.json`` dict.
"""

from rdl.baselines.features import (
    AggregationPlan,
    aggregate_features,
    entity_features,
    plan_aggregations,
)
from rdl.baselines.lgbm import LightGBMBaseline
from rdl.baselines.link import LINK_BASELINES, run_link_baselines
from rdl.baselines.registry import BASELINES, BaselineEntry, register_baseline
from rdl.baselines.run import run_baselines, score
from rdl.baselines.simple import (
    SIMPLE_BASELINES,
    entity_mean,
    global_mean,
    global_median,
    majority,
    random_baseline,
)

__all__ = [
    "BASELINES",
    "LINK_BASELINES",
    "SIMPLE_BASELINES",
    "AggregationPlan",
    "BaselineEntry",
    "LightGBMBaseline",
    "aggregate_features",
    "entity_features",
    "entity_mean",
    "global_mean",
    "global_median",
    "majority",
    "plan_aggregations",
    "random_baseline",
    "register_baseline",
    "run_baselines",
    "run_link_baselines",
    "score",
]
