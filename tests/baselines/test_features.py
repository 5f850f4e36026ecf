"""Aggregated relational features and entity features: values against a plain-pandas
recomputation, feature naming, and leakage (rows dated after the seed time never matter;
rows at or before it do)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rdl import Database, Table
from rdl.baselines import aggregate_features, entity_features, entity_mean, plan_aggregations
from rdl.tasks import EntityTask, TaskType
from tests.fixtures.shops import FEATURE_START, feature_shop

START = FEATURE_START
DAY = pd.Timedelta(days=1)


def seeds(times, n_users=12) -> pd.DataFrame:
    return pd.DataFrame([(t, u) for t in times for u in range(n_users)], columns=["t", "uid"])


SEED_TIMES = [START + 60 * DAY, START + 150 * DAY, START + 250 * DAY, START + 420 * DAY]


@pytest.fixture(scope="module")
def db():
    return feature_shop()


@pytest.fixture(scope="module")
def plan(db):
    return plan_aggregations(db, "users", vocab_cutoff=START + 300 * DAY)


@pytest.fixture(scope="module")
def features(db, plan):
    s = seeds(SEED_TIMES)
    return s, aggregate_features(db, plan, s["uid"], s["t"])


def test_plan_paths_and_names(plan):
    names = {p.name for p in plan.paths}
    assert names == {
        "orders.user_id",  # E <- C
        "orders.user_id>products.product_id",  # E <- C -> P (static)
        "orders.user_id>campaigns.campaign_id",  # E <- C -> P (timed)
        "orders.user_id<reviews.order_id",  # E <- C <- G
        ">regions.region_id",  # E -> P lookup
    }
    f = set(plan.feature_names)
    for name in [
        "orders.user_id__count__30d",
        "orders.user_id__count__all",
        "orders.user_id__days_since_last",
        "orders.user_id__days_since_first",
        "orders.user_id__amount__mean__90d",
        "orders.user_id__amount__max__365d",
        "orders.user_id__amount__last",
        "orders.user_id__channel=web__share__all",
        "orders.user_id>products.product_id__price__mean__30d",
        "orders.user_id>products.product_id__kind=a__share__90d",
        "orders.user_id<reviews.order_id__stars__min__all",
        "orders.user_id<reviews.order_id__count__365d",
        ">regions.region_id__population",
        ">regions.region_id__zone",
    ]:
        assert name in f, name
    assert len(f) == len(plan.feature_names)
    # the rarest channel (5 %) is not among the top-3 values
    assert "orders.user_id__channel=phone__share__all" not in f


def test_feature_cap(db):
    small = plan_aggregations(db, "users", max_features=40)
    assert 0 < len(small.feature_names) <= 40
    assert small.paths[0].name == "orders.user_id"


def _reference(db, uid, t):
    """Plain-pandas recomputation of a few features of one seed."""
    o = db["orders"].df
    o = o[(o.user_id == uid) & (o.ts <= t)]
    out = {
        "orders.user_id__count__all": float(len(o)),
        "orders.user_id__count__30d": float((o.ts > t - 30 * DAY).sum()),
    }
    w90 = o[o.ts > t - 90 * DAY]
    out["orders.user_id__amount__mean__90d"] = w90.amount.mean() if len(w90) else np.nan
    out["orders.user_id__amount__max__all"] = o.amount.max() if len(o) else np.nan
    out["orders.user_id__amount__last"] = (
        o.sort_values("ts", kind="stable").amount.iloc[-1] if len(o) else np.nan
    )
    out["orders.user_id__days_since_last"] = (t - o.ts.max()) / DAY if len(o) else np.nan
    out["orders.user_id__channel=web__share__365d"] = (
        (o[o.ts > t - 365 * DAY].channel == "web").mean()
        if (o.ts > t - 365 * DAY).any()
        else np.nan
    )
    p = o.merge(db["products"].df, on="product_id")
    out["orders.user_id>products.product_id__price__mean__all"] = (
        p.price.mean() if len(p) else np.nan
    )
    c = o.merge(db["campaigns"].df, on="campaign_id")
    c = c[c.start <= t]  # a campaign that starts after t is not visible yet
    out["orders.user_id>campaigns.campaign_id__discount__max__all"] = (
        c.discount.max() if len(c) else np.nan
    )
    r = o[["order_id"]].merge(db["reviews"].df, on="order_id")
    r = r[r.ts <= t]
    out["orders.user_id<reviews.order_id__count__all"] = float(len(r))
    r30 = r[r.ts > t - 30 * DAY]
    out["orders.user_id<reviews.order_id__stars__mean__30d"] = (
        r30.stars.mean() if len(r30) else np.nan
    )
    u = db["users"].df.set_index("user_id").loc[uid]
    out[">regions.region_id__population"] = (
        db["regions"].df.set_index("region_id").loc[u.region_id, "population"]
    )
    return out


def test_values_match_a_pandas_recomputation(db, features):
    s, X = features
    assert X.shape == (len(s), len(X.columns)) and list(X.index) == list(range(len(s)))
    checked = 0
    for i, row in s.iterrows():
        for name, expected in _reference(db, row.uid, row.t).items():
            got = X.loc[i, name]
            if np.isnan(expected):
                assert np.isnan(got), (i, name)
            else:
                assert got == pytest.approx(expected), (i, name, row.uid, row.t)
            checked += 1
    assert checked == len(s) * 12
    # at least some seeds have history and some values differ across seeds
    assert X["orders.user_id__count__all"].nunique() > 5


def test_duplicate_seeds_and_row_order(db, plan):
    s = seeds(SEED_TIMES[:2]).sample(frac=1.0, random_state=1).reset_index(drop=True)
    doubled = pd.concat([s, s], ignore_index=True)
    X = aggregate_features(db, plan, doubled["uid"], doubled["t"])
    pd.testing.assert_frame_equal(
        X.iloc[: len(s)].reset_index(drop=True), X.iloc[len(s) :].reset_index(drop=True)
    )
    ref = aggregate_features(db, plan, s["uid"].iloc[[3]], s["t"].iloc[[3]])
    pd.testing.assert_frame_equal(ref, X.iloc[[3]].reset_index(drop=True))


# Every table and column of `shop_db` renamed: reserved words, quotes, dots, spaces, "%",
# non-ASCII, mixed case -- in every role (primary key, foreign key, time column, values).
ODD_TABLES = {
    "users": "Größe",
    "orders": "order",
    "products": "a.b",
    "campaigns": 'my "camp"',
    "reviews": "select",
    "regions": "with space",
}
ODD_COLUMNS = {
    "users": {
        "user_id": "User ID",
        "region_id": "a.b",
        "age": 'my "col"',
        "tier": "Order",
        "born": "Born%",
    },
    "orders": {
        "order_id": "order",
        "user_id": "Größe.fk",
        "product_id": "product.id",
        "campaign_id": "Campaign Id",
        "ts": "when?",
        "amount": 'amount "€"',
        "channel": "Select",
    },
    "products": {"product_id": "a.b", "price": "100%", "kind": "group"},
    "campaigns": {"campaign_id": "Campaign Id", "discount": "ÄÖÜ", "start": "from"},
    "reviews": {"review_id": "id", "order_id": "order", "ts": "a.b", "stars": "Größe"},
    "regions": {"region_id": "Region.Id", "population": "100% pop", "zone": "where"},
}


def _renamed(db: Database) -> Database:
    out = {}
    for name, t in db.items():
        c = {col: ODD_COLUMNS[name].get(col, col) for col in t.df.columns}
        out[ODD_TABLES[name]] = Table(
            t.df.rename(columns=c),
            {c[k]: ODD_TABLES[v] for k, v in t.fkey_col_to_pkey_table.items()},
            c[t.pkey_col],
            c.get(t.time_col),
            {c[k]: v for k, v in t.stypes.items()},
        )
    return Database(out)


def test_odd_table_and_column_names_through_a_duckdb_file(db, plan, features, tmp_path):
    """The aggregate SQL quotes every name: a DuckDB file whose names all need quoting
    gives the same features as the plain names, value for value."""
    from rdl import connect
    from rdl.db.write import to_url

    path = tmp_path / "odd.duckdb"
    to_url(_renamed(db), str(path))
    times = {ODD_TABLES[n]: ODD_COLUMNS[n].get(t.time_col, t.time_col) for n, t in db.items()}
    odd = connect(f"duckdb:///{path}", time_cols=times)
    assert sorted(odd) == sorted(ODD_TABLES.values())
    s, X = features
    odd_plan = plan_aggregations(odd, "Größe", vocab_cutoff=START + 300 * DAY)
    assert len(odd_plan.feature_names) == len(plan.feature_names)
    assert "order.Gr__e.fk__amount______mean__90d" in odd_plan.feature_names  # safe_name()d
    got = aggregate_features(odd, odd_plan, s["uid"], s["t"])
    assert X.notna().sum().sum() > len(X) * 10  # the comparison is not between nulls
    pd.testing.assert_frame_equal(got.set_axis(X.columns, axis=1), X)
    E = entity_features(db, "users", s["uid"], s["t"], days_before_seed=True)
    got = entity_features(odd, "Größe", s["uid"], s["t"], days_before_seed=True)
    pd.testing.assert_frame_equal(got.set_axis(E.columns, axis=1), E)


def test_entity_features(db):
    X = entity_features(db, "users", [3, 99, 0], [START] * 3, days_before_seed=True)
    u = db["users"].df.set_index("user_id")
    assert list(X.columns) == [
        "users.age",
        "users.tier",
        "users.nickname",
        "users.born.epoch_days",
        "users.born.year",
        "users.born.days_before_seed",
    ]
    assert X.loc[0, "users.age"] == u.loc[3, "age"]
    assert X.loc[0, "users.tier"] == u.loc[3, "tier"]
    assert isinstance(X["users.tier"].dtype, pd.CategoricalDtype)
    assert X.loc[0, "users.born.days_before_seed"] == (START - u.loc[3, "born"]) / DAY
    assert X.loc[1].isna().all()  # unknown entity 99
    assert X.loc[2, "users.born.year"] == u.loc[0, "born"].year


def test_entity_features_of_an_entity_not_yet_created_are_null(db):
    users = db["users"]
    joined = START + pd.to_timedelta(np.arange(len(users.df)) * 10, "D")
    timed = Database(
        {
            **db.table_dict,
            "users": Table(
                users.df.assign(joined=joined.astype("datetime64[ns]")),
                users.fkey_col_to_pkey_table,
                users.pkey_col,
                "joined",
                {**users.stypes, "joined": "timestamp"},
            ),
        }
    )
    X = entity_features(timed, "users", [5, 5], [START + 49 * DAY, START + 50 * DAY])
    assert X.loc[0].isna().all()  # user 5 joins on day 50
    assert X.loc[1, "users.age"] == users.df.loc[5, "age"]


# ---- leakage -------------------------------------------------------------------------


def _mutate_after(db: Database, t: pd.Timestamp, how: str, rng) -> Database:
    """A copy of ``db`` where every row of every timed table dated after ``t`` is changed."""
    tables = {}
    for name, table in db.items():
        df = table.df.copy()
        if table.time_col is not None:
            late = df[table.time_col] > t
            idx = df.index[late]
            if how == "delete":
                df = df[~late]
            elif how == "values":
                for col, st in table.stypes.items():
                    if st == "numerical":
                        df.loc[idx, col] = rng.normal(1000, 50, len(idx))
                    elif st == "categorical":
                        df.loc[idx, col] = df[col].iloc[0]
            elif how == "keys":
                for col, target in table.fkey_col_to_pkey_table.items():
                    keys = db[target].df[db[target].pkey_col].to_numpy()
                    df.loc[idx, col] = rng.choice(keys, len(idx))
            elif how == "add":
                extra = df.loc[idx].copy()
                if table.pkey_col is not None:
                    extra[table.pkey_col] = extra[table.pkey_col] + 10_000
                df = pd.concat([df, extra], ignore_index=True)
        tables[name] = Table(
            df.reset_index(drop=True),
            dict(table.fkey_col_to_pkey_table),
            table.pkey_col,
            table.time_col,
            dict(table.stypes),
        )
    return Database(tables)


@pytest.mark.parametrize("how", ["delete", "values", "keys", "add"])
@pytest.mark.parametrize("t", SEED_TIMES[:3])
def test_rows_after_t_never_change_a_feature(db, plan, how, t):
    s = seeds([t])
    before = aggregate_features(db, plan, s["uid"], s["t"])
    mutated = _mutate_after(db, t, how, np.random.default_rng(0))
    assert not mutated["orders"].df.equals(db["orders"].df)
    after = aggregate_features(mutated, plan, s["uid"], s["t"])
    pd.testing.assert_frame_equal(before, after)
    ent = entity_features(db, "users", s["uid"], s["t"], days_before_seed=True)
    pd.testing.assert_frame_equal(
        ent, entity_features(mutated, "users", s["uid"], s["t"], days_before_seed=True)
    )


@pytest.mark.parametrize(
    "table,col,offset",
    [
        ("orders", "amount", 0),  # an order dated exactly t counts (time <= t)
        ("orders", "amount", 5),  # an order 5 days before t
        ("reviews", "stars", 3),  # a review of one of the user's orders
    ],
)
def test_a_row_at_or_before_t_does_change_a_feature(db, plan, table, col, offset):
    """The control: the leakage test above could fail, because rows <= t do matter."""
    t = SEED_TIMES[2]
    df = db[table].df.copy()
    if table == "orders":
        target = df.index[df.ts <= t - offset * DAY][-1]
        df.loc[target, "ts"] = t - offset * DAY
        uid = df.loc[target, "user_id"]
    else:
        orders = db["orders"].df.set_index("order_id")
        ok = df.index[(df.ts <= t - offset * DAY)]
        target = ok[-1]
        df.loc[target, "ts"] = t - offset * DAY
        uid = orders.loc[df.loc[target, "order_id"], "user_id"]
    base = Database(
        {
            **db.table_dict,
            table: Table(
                df,
                db[table].fkey_col_to_pkey_table,
                db[table].pkey_col,
                db[table].time_col,
                db[table].stypes,
            ),
        }
    )
    changed = df.copy()
    changed.loc[target, col] = changed.loc[target, col] + 1000
    other = Database(
        {
            **db.table_dict,
            table: Table(
                changed,
                db[table].fkey_col_to_pkey_table,
                db[table].pkey_col,
                db[table].time_col,
                db[table].stypes,
            ),
        }
    )
    s = pd.DataFrame({"t": [t], "uid": [uid]})
    a = aggregate_features(base, plan, s["uid"], s["t"])
    b = aggregate_features(other, plan, s["uid"], s["t"])
    diff = [c for c in a.columns if not (a[c].equals(b[c]))]
    assert diff, "changing a row dated <= t must change some feature"
    assert all(col in c for c in diff)


class OrdersSoon(EntityTask):
    """Will the user order in the next 30 days? (on the shop database)"""

    name = "orders-soon"
    entity_table = "users"
    entity_col = "user_id"
    time_col = "t"
    target_col = "buys"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    metrics = ["roc_auc", "accuracy"]
    val_timestamp = START + 300 * DAY
    test_timestamp = START + 400 * DAY
    sql = """
        SELECT t.timestamp AS t, u.user_id, CAST(count(o.order_id) > 0 AS INTEGER) AS buys
        FROM timestamp_df t CROSS JOIN users u
        LEFT JOIN orders o ON o.user_id = u.user_id AND o.ts > t.timestamp
                           AND o.ts <= t.timestamp + {timedelta}
        GROUP BY ALL
    """


@pytest.mark.parametrize("how", ["delete", "keys"])  # (the label only sees whether orders exist)
def test_entity_mean_ignores_rows_after_t(db, how):
    """Labels recomputed from a database whose rows after t changed: every window that
    ends after t may flip, yet the entity-mean prediction at t stays the same."""
    t = START + 150 * DAY
    queries = seeds([t]).rename(columns={"uid": "user_id"})
    base = OrdersSoon(db).get_table("train").df
    mutated = _mutate_after(db, t, how, np.random.default_rng(1))
    changed = OrdersSoon(mutated).get_table("train").df
    assert not base.equals(changed)  # later labels did change
    np.testing.assert_array_equal(
        entity_mean(OrdersSoon(db), base, queries), entity_mean(OrdersSoon(db), changed, queries)
    )


def test_entity_mean_uses_rows_before_t(db):
    """The control: an order added inside an observed window flips a label and the
    prediction."""
    t = START + 150 * DAY
    task = OrdersSoon(db)
    train = task.get_table("train").df
    observed = train[(train.t + task.timedelta <= t) & (train.buys == 0)].iloc[0]
    orders = db["orders"].df
    extra = pd.DataFrame(
        {
            "order_id": [99_999],
            "user_id": [observed.user_id],
            "product_id": [0],
            "campaign_id": [0],
            "ts": [observed.t + DAY],
            "amount": [1.0],
            "channel": ["web"],
        }
    )
    extra["ts"] = extra["ts"].astype("datetime64[ns]")
    o = db["orders"]
    more = Database(
        {
            **db.table_dict,
            "orders": Table(
                pd.concat([orders, extra], ignore_index=True),
                o.fkey_col_to_pkey_table,
                o.pkey_col,
                o.time_col,
                o.stypes,
            ),
        }
    )
    q = pd.DataFrame({"t": [t], "user_id": [observed.user_id]})
    before = entity_mean(task, train, q)
    after = entity_mean(task, OrdersSoon(more).get_table("train").df, q)
    assert after[0] > before[0]
