"""`LinkTask` protocol and the link baselines on a small hand-built database, against
hand-computed answers.

The shop database (`tests.fixtures.shops.link_shop`, dates in 2020):

* ``users`` (source table, pkey ``user_id``, time column ``joined``): u1, u2 joined
  01-01, u3 joined 01-15, u4 joined 03-05 (after test_timestamp);
* ``items`` (destination table, pkey ``item_id``, time column ``listed``): items 1-4
  listed 01-01, item 5 listed 03-10 (after test_timestamp);
* ``purchases`` (events, time column ``date``, fkeys ``user_id`` -> users, ``item_id`` ->
  items).

Task: ``timedelta`` 10 days, val_timestamp 02-10, test_timestamp 03-01,
num_eval_timestamps 3, eval_k 2; the destinations of (user, t) are the items bought in
``(t, t + 10 days]``. Seed times (as the entity protocol, `tests/tasks/test_protocol.py`):
train 01-01, 01-11, 01-21, 01-31; val 02-10, 02-20; test 03-01, 03-11.

Hand-computed tables:

* train: (01-01, u1, [1, 2]) — p1 01-05, p3 01-08 (item 1 twice), p2 01-11 (exactly
  t + 10 days); (01-01, u2, [1]); (01-11, u2, [2]); (01-21, u1, [3]). Dropped: user 99
  at 01-01 (dangling), u3 at 01-11 (joined 01-15 > t), u2 at 01-21 (its only item, 99,
  is dangling: removed, list empty).
* val: (02-10, u2, [3]); (02-20, u1, [2, 4]).
* test (full database): (03-01, u1, [1]); (03-11, u2, [2]) — item 5 (listed after
  test_timestamp) removed; u4 at 03-11 dropped (joined after test_timestamp).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rdl import Table
from rdl.baselines.link import global_popularity, past_visits, run_link_baselines
from rdl.tasks import LinkHistory, LinkTask, TaskError, TaskType, load_task
from tests.fixtures.shops import D, UserItemBuy, UserItemBuyPython, link_shop

TRAIN = [
    (D("2020-01-01"), 1, [1, 2]),
    (D("2020-01-01"), 2, [1]),
    (D("2020-01-11"), 2, [2]),
    (D("2020-01-21"), 1, [3]),
]
VAL = [(D("2020-02-10"), 2, [3]), (D("2020-02-20"), 1, [2, 4])]
TEST = [(D("2020-03-01"), 1, [1]), (D("2020-03-11"), 2, [2])]


def as_rows(table: Table) -> list[tuple]:
    return [(D(t), int(s), list(d)) for t, s, d in table.df.itertuples(index=False, name=None)]


@pytest.fixture
def task():
    return UserItemBuy(link_shop())


def test_definition():
    task = UserItemBuy(link_shop())
    assert task.task_type == TaskType.LINK_PREDICTION
    assert task.metrics == ["map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"]
    assert task.columns == ["seed", "user_id", "item_id"]
    assert list(task.split_timestamps("train")) == [
        D(f"2020-01-{d}") for d in ("01", "11", "21", "31")
    ]
    assert list(task.split_timestamps("val")) == [D("2020-02-10"), D("2020-02-20")]
    assert list(task.split_timestamps("test")) == [D("2020-03-01"), D("2020-03-11")]


@pytest.mark.parametrize("cls", [UserItemBuy, UserItemBuyPython])
def test_tables_hand_computed(cls):
    task = cls(link_shop())
    assert as_rows(task.get_table("train")) == TRAIN
    assert as_rows(task.get_table("val")) == VAL
    assert as_rows(task.get_table("test", mask_input_cols=False)) == TEST
    assert task.dropped_rows == {"train": 3, "val": 0, "test": 1}
    assert task.dropped_links == {"train": 1, "val": 0, "test": 1}
    table = task.get_table("train")
    assert table.fkey_col_to_pkey_table == {"user_id": "users", "item_id": "items"}
    assert table.pkey_col is None and table.time_col == "seed"


def test_test_destinations_hidden_unless_asked(task):
    masked = task.get_table("test")
    assert list(masked.df.columns) == ["seed", "user_id"]
    assert list(task.get_table("test", mask_input_cols=False).df.columns) == [
        "seed",
        "user_id",
        "item_id",
    ]
    assert list(task.get_table("val", mask_input_cols=True).df.columns) == ["seed", "user_id"]


def test_handed_out_lists_are_copies(task):
    t = task.get_table("train")
    t.df["item_id"].iloc[0].append(42)
    assert as_rows(task.get_table("train")) == TRAIN


def test_train_val_from_cut_database_test_from_full(task):
    # a purchase after test_timestamp inside no train/val window leaves them unchanged
    late = UserItemBuy(link_shop([(30, 1, 3, "2020-03-02")]))
    assert as_rows(late.get_table("train")) == TRAIN and as_rows(late.get_table("val")) == VAL
    assert as_rows(late.get_table("test", mask_input_cols=False))[0] == (D("2020-03-01"), 1, [1, 3])


def test_disk_cache_round_trip(tmp_path):
    a = UserItemBuy(link_shop(), cache_dir=tmp_path)
    want = as_rows(a.get_table("val"))
    files = list(tmp_path.rglob("val.parquet.rdlc"))
    assert len(files) == 1
    b = UserItemBuy(link_shop(), cache_dir=tmp_path)
    got = b.get_table("val")
    assert as_rows(got) == want
    assert all(isinstance(x, list) for x in got.df["item_id"])


def test_candidates_exist_at_the_seed_time(task):
    assert task.candidate_mask("2020-03-01").tolist() == [True] * 4 + [False]
    assert task.candidate_mask("2020-03-10").tolist() == [True] * 5


def test_evaluate_hand_computed(task):
    # test rows: (03-01, u1, {1}), (03-11, u2, {2})
    pred = np.array([[1, 2], [3, 2]])
    got = task.evaluate(pred)
    assert got["map_at_k"] == pytest.approx((1.0 + 0.5) / 2)
    assert got["recall_at_k"] == pytest.approx(1.0)
    assert got["precision_at_k"] == pytest.approx(0.5)
    assert got["ndcg_at_k"] == pytest.approx((1.0 + 1 / np.log2(3)) / 2)
    with pytest.raises(TaskError, match="3 rankings for the 2 rows"):
        task.evaluate(np.ones((3, 2), dtype=int))
    with pytest.raises(TaskError, match="eval_k=2"):
        task.evaluate([[1, 2], [3]])


def test_load_task_finds_link_tasks(tmp_path):
    path = tmp_path / "shop.py"
    path.write_text(
        "import pandas as pd\nfrom rdl.tasks import LinkTask\n\n"
        "class Buy(LinkTask):\n"
        "    name = 'buy'\n"
        "    src_entity_table = 'users'; src_entity_col = 'user_id'\n"
        "    dst_entity_table = 'items'; dst_entity_col = 'item_id'\n"
        "    time_col = 'seed'; timedelta = pd.Timedelta(days=10); eval_k = 2\n"
        "    num_eval_timestamps = 3\n"
        "    val_timestamp = pd.Timestamp('2020-02-10')\n"
        "    test_timestamp = pd.Timestamp('2020-03-01')\n"
        f"    sql = '''{UserItemBuy.sql}'''\n"
    )
    task = load_task(f"{path}:buy", link_shop())
    assert isinstance(task, LinkTask) and as_rows(task.get_table("val")) == VAL
    assert isinstance(load_task(str(path), link_shop()), LinkTask)


@pytest.mark.parametrize(
    "overrides, culprit",
    [
        ({"src_entity_table": "nope"}, "src_entity_table 'nope'"),
        ({"dst_entity_table": "nope"}, "dst_entity_table 'nope'"),
        ({"dst_entity_table": "purchases"}, None),  # has a pkey: fine
        ({"eval_k": 0}, "eval_k must be a positive int"),
        ({"eval_k": 6}, "eval_k=6 is larger than the destination table"),
        ({"metrics": ["roc_auc"]}, "not ranking metrics"),
        ({"dst_entity_col": "user_id"}, "three different columns"),
        ({"task_type": "regression"}, "a LinkTask has task_type"),
    ],
)
def test_bad_definitions_name_the_culprit(overrides, culprit):
    if culprit is None:
        UserItemBuy(link_shop(), **overrides)
        return
    with pytest.raises(TaskError, match=culprit):
        UserItemBuy(link_shop(), **overrides)


@pytest.mark.parametrize(
    "sql, culprit",
    [
        (
            "SELECT t.timestamp AS seed, p.user_id, p.item_id FROM timestamp_df t JOIN purchases p "
            "ON p.date > t.timestamp AND p.date <= t.timestamp + {timedelta}",
            "LIST\\(DISTINCT",
        ),
        (
            "SELECT t.timestamp AS seed, p.user_id, [p.item_id] AS item_id FROM timestamp_df t "
            "JOIN purchases p ON p.date > t.timestamp AND p.date <= t.timestamp + {timedelta}",
            "repeat a \\(source, seed time\\) pair",
        ),
        ("SELECT t.timestamp AS seed, 1 AS user_id FROM timestamp_df t", "missing \\['item_id'\\]"),
        (
            "SELECT t.timestamp + INTERVAL 1 DAY AS seed, 1 AS user_id, [1] AS item_id "
            "FROM timestamp_df t",
            "not one of the split's seed times",
        ),
    ],
)
def test_bad_sql_output_names_the_culprit(sql, culprit):
    with pytest.raises(TaskError, match=culprit):
        UserItemBuy(link_shop(), sql=sql).get_table("train")


# ---- baselines --------------------------------------------------------------------------


def test_history_is_what_was_observed_by_t(task):
    hist = LinkHistory(task).at("2020-02-10")
    # windows (t', t' + 10 days] closing by 02-10, on the database cut at 02-10
    got = sorted(map(tuple, hist.astype({"item_id": int}).values.tolist()))
    want = sorted(
        [
            (D("2020-01-01"), 1, 1),
            (D("2020-01-01"), 1, 2),
            (D("2020-01-01"), 2, 1),
            (D("2020-01-11"), 2, 2),
            (D("2020-01-21"), 1, 3),
            (D("2020-01-21"), 2, 99),
        ]
    )
    assert got == want  # dangling user 99 and u3 (not yet joined at 01-11) are left out


class BuyAnytimeLater(UserItemBuy):
    """Destinations: every item bought after t (no upper bound): its labels depend on
    the database cut they are computed on, which exposes reuse across cuts."""

    name = "buy-anytime-later"
    sql = """
        SELECT t.timestamp AS seed, p.user_id, LIST(DISTINCT p.item_id) AS item_id
        FROM timestamp_df t JOIN purchases p ON p.date > t.timestamp
        GROUP BY t.timestamp, p.user_id
    """


def test_history_labels_are_reused_only_from_earlier_cuts():
    task = BuyAnytimeLater(link_shop())
    fresh = {t: LinkHistory(task).at(t) for t in ("2020-02-10", "2020-02-20")}
    h = LinkHistory(task)
    late_first = {t: h.at(t) for t in ("2020-02-20", "2020-02-10")}
    h = LinkHistory(task)
    early_first = {t: h.at(t) for t in ("2020-02-10", "2020-02-20")}
    for t in fresh:
        pd.testing.assert_frame_equal(late_first[t], fresh[t])
    # in time order, 02-20 reuses the 02-10 labels (computed on the cut at 02-10): rows
    # dated in (02-10, 02-20] are then missing from the windows before 02-10, by design
    pd.testing.assert_frame_equal(early_first["2020-02-10"], fresh["2020-02-10"])
    got = early_first["2020-02-20"]
    assert got["seed"].max() <= D("2020-02-10") and len(got) < len(fresh["2020-02-20"])
    # for label SQL that reads nothing after its window, reuse changes nothing
    plain = UserItemBuy(link_shop())
    h = LinkHistory(plain)
    h.at("2020-02-10")
    pd.testing.assert_frame_equal(h.at("2020-02-20"), LinkHistory(plain).at("2020-02-20"))


def test_baseline_rankings_hand_computed(task):
    h = LinkHistory(task)
    rows = pd.DataFrame(
        {"seed": [D("2020-02-10"), D("2020-02-20"), D("2020-02-20")], "user_id": [2, 1, 3]}
    )
    # popularity at 02-10: item 1 and 2 have 2 links, 2 more recently; then item 3, 4
    assert h.popularity("2020-02-10").tolist() == [2, 1, 3, 4]
    # at 02-20 the window (02-10, 02-20] is observed too: item 3 now has 2 links, latest
    assert h.popularity("2020-02-20").tolist() == [3, 2, 1, 4]
    assert global_popularity(task, rows, h).tolist() == [[2, 1], [3, 2], [3, 2]]
    # past visits: u2 bought 2 (01-11) after 1 (01-01); u1 bought 3 last (01-21), then
    # 1 and 2 (both 01-01, once) in popularity order; u3 has no history: popularity
    assert past_visits(task, rows, h).tolist() == [[2, 1], [3, 2], [3, 2]]
    task3 = UserItemBuy(link_shop(), eval_k=4)
    assert past_visits(task3, rows.iloc[[1]], LinkHistory(task3)).tolist() == [[3, 2, 1, 4]]


def test_baselines_never_use_rows_after_t(task):
    rows = task.get_table("val")
    h0 = LinkHistory(task)
    before = (global_popularity(task, rows, h0), past_visits(task, rows, h0))
    # purchases dated after every val seed time (but before test_timestamp)
    future = UserItemBuy(
        link_shop([(40, 2, 4, "2020-02-21"), (41, 2, 4, "2020-02-22"), (42, 1, 4, "2020-02-27")])
    )
    h1 = LinkHistory(future)
    after = (global_popularity(future, rows, h1), past_visits(future, rows, h1))
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    # the test can fail: the same purchases dated before 02-10 change the rankings
    past = UserItemBuy(
        link_shop([(40, 2, 4, "2020-02-01"), (41, 3, 4, "2020-02-02"), (42, 1, 4, "2020-02-07")])
    )
    h2 = LinkHistory(past)
    assert not np.array_equal(before[0], global_popularity(past, rows, h2))


def test_run_link_baselines_layout(task):
    # rolling: the hand-computed rankings below use links observed after the test
    # timestamp (03-01) for the seed at 03-11; tests/train/test_protocol.py covers relbench
    r = run_link_baselines(task.db, task, protocol="rolling")
    assert r["task_type"] == "link_prediction" and r["eval_k"] == 2
    assert r["protocol"] == "rolling"
    assert r["splits"] == {"train": 4, "val": 2, "test": 2}
    assert set(r["baselines"]) == {"global_popularity", "past_visits"}
    for entry in r["baselines"].values():
        assert set(entry["val"]) == set(task.metrics) == set(entry["test"])
        assert entry["fit_seconds"] >= entry["history_seconds"] >= 0
    # test, hand-computed: u1 at 03-01 (truth {1}) gets past visits [2, 4] (item 2 and 4
    # bought last, in the window closing 03-01) and popularity [2, 3]; u2 at 03-11 (truth
    # {2}) gets past visits [3, 2] and popularity [1, 2] (item 1: 3 links, last 03-01)
    for name in ("past_visits", "global_popularity"):
        got = r["baselines"][name]["test"]
        assert got["map_at_k"] == pytest.approx((0 + 0.5) / 2)
        assert got["recall_at_k"] == pytest.approx((0 + 1) / 2)
        assert got["precision_at_k"] == pytest.approx((0 + 0.5) / 2)


def test_run_baselines_dispatches_link_tasks(task):
    from rdl.baselines import run_baselines

    assert run_baselines(task.db, task)["baselines"].keys() == {"global_popularity", "past_visits"}


def test_run_link_baselines_refuses_entity_tasks():
    from rdl.tasks import EntityTask

    class Count(EntityTask):
        entity_table = "users"
        entity_col = "user_id"
        time_col = "seed"
        target_col = "n"
        task_type = TaskType.REGRESSION
        metrics = ["mae"]
        timedelta = pd.Timedelta(days=10)
        val_timestamp = D("2020-02-10")
        test_timestamp = D("2020-03-01")
        sql = "SELECT t.timestamp AS seed, 1 AS user_id, 1.0 AS n FROM timestamp_df t"

    db = link_shop()
    with pytest.raises(ValueError, match="not a link task"):
        run_link_baselines(db, Count(db))
