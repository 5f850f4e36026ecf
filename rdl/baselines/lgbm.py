"""LightGBM baselines on tabular features of a task's seeds.

Two feature sets (`rdl.baselines.features`):

* ``"entity"``: the entity row's own columns joined onto the task table — RelBench's
  LightGBM baseline (``examples/lightgbm_node.py``: the task table merged with the entity
  table, no relational information). Text columns become category codes instead of
  RelBench's GloVe embeddings, and rdl uses a small fixed hyperparameter grid with early
  stopping instead of RelBench's 10 Optuna trials.
* ``"aggregated"``: the entity columns (plus ``days_before_seed`` for timestamps, e.g.
  age at ``t``) and time-windowed aggregates over foreign-key paths up to depth 2, all
  computed from rows dated ``<= t`` only — the hand-built tabular baseline.

Training: one LightGBM model per grid configuration on the train rows, early stopping on
the validation rows by the task's first metric (``task.metrics[0]``, e.g. average
precision or MAE); the configuration with the best validation score is kept. Objectives:
``binary`` (probabilities), ``multiclass`` (``[n, C]`` probabilities), ``regression_l1``
when the first metric is MAE and ``regression`` (L2) otherwise; multilabel tasks train
one binary model per label (early stopping on each label's AUROC).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from rdl.baselines.features import (
    AggregationPlan,
    aggregate_features,
    entity_features,
    plan_aggregations,
)
from rdl.baselines.targets import (
    BINARY,
    MULTICLASS,
    MULTILABEL,
    label_matrix,
    num_classes,
    task_type,
)
from rdl.metrics import METRICS, higher_is_better
from rdl.tasks.kinds import TaskKind

#: The hyperparameter grid (LightGBM parameter names); each entry is trained with early
#: stopping and the best on validation is kept.
DEFAULT_GRID: tuple[dict, ...] = (
    {"num_leaves": 15, "min_data_in_leaf": 20, "learning_rate": 0.05},
    {"num_leaves": 63, "min_data_in_leaf": 50, "learning_rate": 0.05},
)
_BASE_PARAMS = {
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_cat_to_onehot": 8,
    "verbosity": -1,
    "deterministic": True,
    "force_row_wise": True,
}


def _df(table) -> pd.DataFrame:
    return getattr(table, "df", table)


@dataclass
class LightGBMBaseline:
    """LightGBM on the entity's own columns (``features="entity"``) or on entity columns
    plus aggregated relational features (``features="aggregated"``).

    Usage::

        model = LightGBMBaseline("aggregated")
        X_train, X_val, X_test = model.make_features(task, train, val, test)
        model.fit(task, X_train, train.df[task.target_col], X_val, val.df[task.target_col])
        pred = model.predict(X_test)        # shapes as in rdl.metrics

    Args:
        features: ``"entity"`` or ``"aggregated"``.
        grid: hyperparameter configurations tried (default `DEFAULT_GRID`).
        num_boost_round: maximum boosting rounds per configuration.
        early_stopping_rounds: stop after this many rounds without a better validation
            score.
        seed: LightGBM seed (bagging, feature sampling).
        num_threads: LightGBM threads (0: all cores). Default 1: on a busy 2-core
            machine (e.g. the test suite under ``pytest -n 2``) LightGBM's OpenMP threads
            spin-wait and training got 10-20x slower with 2 threads than with 1.
        plan_kwargs: passed to `rdl.baselines.features.plan_aggregations` (e.g.
            ``max_features``, ``windows``).
        protocol: the database features are computed from (`rdl.tasks.PROTOCOLS`):
            ``"relbench"`` (default) ``task.input_db("relbench")``, the database cut at the
            test timestamp; ``"rolling"`` the full database. Either way a seed at ``t``
            only aggregates rows dated ``<= t``.

    Attributes set by `make_features` / `fit`: ``plan`` (the `AggregationPlan`),
    ``feature_names``, ``best_params``, ``best_iteration``, ``val_score`` and
    ``feature_seconds``.
    """

    features: str = "aggregated"
    grid: tuple[dict, ...] = DEFAULT_GRID
    num_boost_round: int = 1000
    early_stopping_rounds: int = 50
    seed: int = 0
    num_threads: int = 1
    plan_kwargs: dict = field(default_factory=dict)
    protocol: str = "relbench"

    def __post_init__(self):
        if self.features not in ("entity", "aggregated"):
            raise ValueError(f"features must be 'entity' or 'aggregated', got {self.features!r}")
        if not self.grid:
            raise ValueError("grid must hold at least one configuration")
        self.plan: AggregationPlan | None = None
        self.feature_names: list[str] = []
        self.models: list[lgb.Booster] = []
        self.best_params: dict | None = None
        self.best_iteration: int | list[int] | None = None
        self.val_score: float | None = None
        self.feature_seconds = 0.0
        self._kind = None
        self._num_classes = None

    # features ---------------------------------------------------------------------------
    def make_features(self, task, train, *tables) -> list[pd.DataFrame]:
        """Feature frames for ``train`` and each further table (one row per task-table
        row, same order), computed in one pass.

        The aggregation plan is chosen from rows dated ``<=`` the end of the training
        period (last train seed time + ``task.timedelta``), so evaluation-period rows never
        decide which features exist.

        Raises:
            ValueError: a table lacks the task's ``entity_col`` or ``time_col``.
        """
        t0 = time.perf_counter()
        frames = [_df(train), *(_df(t) for t in tables)]
        for i, df in enumerate(frames):
            for col in (task.entity_col, task.time_col):
                if col not in df.columns:
                    raise ValueError(
                        f"table #{i} has no column {col!r} (columns: "
                        f"{list(df.columns)}); pass task tables"
                    )
        ids = pd.concat([df[task.entity_col] for df in frames], ignore_index=True)
        times = pd.concat([pd.to_datetime(df[task.time_col]) for df in frames], ignore_index=True)
        db = task.input_db(self.protocol)
        if self.features == "entity":
            X = entity_features(db, task.entity_table, ids, times)
        else:
            if self.plan is None:
                cutoff = pd.to_datetime(frames[0][task.time_col]).max() + pd.Timedelta(
                    task.timedelta
                )
                self.plan = plan_aggregations(
                    db, task.entity_table, vocab_cutoff=cutoff, **self.plan_kwargs
                )
            X = pd.concat(
                [
                    entity_features(db, task.entity_table, ids, times, days_before_seed=True),
                    aggregate_features(db, self.plan, ids, times),
                ],
                axis=1,
            )
        self.feature_names = list(X.columns)
        self.feature_seconds = time.perf_counter() - t0
        out, start = [], 0
        for df in frames:
            out.append(X.iloc[start : start + len(df)].reset_index(drop=True))
            start += len(df)
        return out

    # training ---------------------------------------------------------------------------
    def _objective(self, kind: TaskKind, metric: str) -> dict:
        if kind in (BINARY, MULTILABEL):
            return {"objective": "binary"}
        if kind == MULTICLASS:
            return {"objective": "multiclass", "num_class": self._num_classes}
        # the loss that the early-stopping metric rewards (as torch_frame's tuned LightGBM,
        # which RelBench uses: L1 for MAE, L2 otherwise)
        return {"objective": "regression_l1" if metric == "mae" else "regression"}

    def _train_one(self, params, X_tr, y_tr, X_va, y_va, metric: str, kind: TaskKind):
        fn = METRICS[metric]
        higher = higher_is_better(metric)

        def feval(preds, data):
            p = np.asarray(preds)
            if kind == MULTICLASS and p.ndim == 1:
                p = p.reshape(self._num_classes, -1).T
            try:
                value = float(
                    fn(
                        data.get_label()
                        if kind != MULTICLASS
                        else data.get_label().astype(np.int64),
                        p,
                    )
                )
            except ValueError:
                value = -np.inf if higher else np.inf
            return metric, value, higher

        dtrain = lgb.Dataset(X_tr, label=y_tr, free_raw_data=False)
        dval = lgb.Dataset(X_va, label=y_va, reference=dtrain, free_raw_data=False)
        booster = lgb.train(
            {
                **_BASE_PARAMS,
                **self._objective(kind, metric),
                **params,
                "metric": "None",
                "seed": self.seed,
                "num_threads": self.num_threads,
            },
            dtrain,
            num_boost_round=self.num_boost_round,
            valid_sets=[dval],
            valid_names=["val"],
            feval=feval,
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
        )
        score = booster.best_score["val"][metric]
        return booster, score

    def fit(
        self, task, X_train: pd.DataFrame, y_train: pd.Series, X_val: pd.DataFrame, y_val: pd.Series
    ) -> LightGBMBaseline:
        """Train on ``(X_train, y_train)`` with early stopping on ``(X_val, y_val)``.

        Args:
            task: the entity task (its ``task_type`` and ``metrics[0]`` are used).
            X_train, X_val: from `make_features`.
            y_train, y_val: the target column of the train / val task tables.

        Raises:
            ValueError: empty train or val rows, null labels, or a task whose first
                metric is not in `rdl.metrics.METRICS`.
        """
        kind = task_type(task)
        if len(X_train) == 0 or len(X_val) == 0:
            raise ValueError(
                f"LightGBM needs train and val rows, got {len(X_train)} "
                f"train and {len(X_val)} val rows"
            )
        metric = task.metrics[0]
        metric = getattr(metric, "__name__", metric)
        if metric not in METRICS:
            raise ValueError(f"task.metrics[0] = {metric!r} is not in rdl.metrics.METRICS")
        self._kind = kind
        self._num_classes = num_classes(task, y_train, y_val)
        y_tr = label_matrix(task, pd.Series(y_train).reset_index(drop=True), self._num_classes)
        y_va = label_matrix(task, pd.Series(y_val).reset_index(drop=True), self._num_classes)
        if kind == MULTICLASS:
            y_tr, y_va = y_tr.argmax(axis=1), y_va.argmax(axis=1)
        elif kind != MULTILABEL:
            y_tr, y_va = y_tr[:, 0], y_va[:, 0]
        higher = higher_is_better(metric)
        label_metric = "roc_auc" if kind == MULTILABEL else metric
        best = None
        for params in self.grid:
            if kind == MULTILABEL:
                models, scores = [], []
                for j in range(y_tr.shape[1]):
                    m, s = self._train_one(
                        params, X_train, y_tr[:, j], X_val, y_va[:, j], label_metric, kind
                    )
                    models.append(m)
                    scores.append(s)
                score = float(np.mean(scores))
            else:
                m, score = self._train_one(params, X_train, y_tr, X_val, y_va, metric, kind)
                models = [m]
            better = best is None or (score > best[0] if higher else score < best[0])
            if better:
                best = (score, params, models)
        assert best is not None  # the grid has at least one parameter set
        self.val_score, self.best_params, self.models = best
        iters = [m.best_iteration for m in self.models]
        self.best_iteration = iters[0] if len(iters) == 1 else iters
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predictions for feature rows ``X`` (from `make_features`), shaped as
        `rdl.metrics` expects: binary ``[n]`` probabilities, multiclass ``[n, C]``,
        multilabel ``[n, L]``, regression ``[n]``.

        Raises:
            RuntimeError: `fit` has not been called.
        """
        if not self.models:
            raise RuntimeError("LightGBMBaseline.predict called before fit")
        preds = [m.predict(X, num_iteration=m.best_iteration) for m in self.models]
        if self._kind == MULTILABEL:
            return np.stack(preds, axis=1)
        p = np.asarray(preds[0])
        if self._kind == BINARY:
            return np.clip(p, 0.0, 1.0)
        if self._kind == MULTICLASS:
            return p.reshape(len(X), self._num_classes)
        return p

    @property
    def num_features(self) -> int:
        return len(self.feature_names)


__all__ = ["DEFAULT_GRID", "LightGBMBaseline"]
