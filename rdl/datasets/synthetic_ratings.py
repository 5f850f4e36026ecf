"""synthetic-ratings: a ratings database generated in code, where users never rate an
item twice (every recommendation is a *new* item) — a test bed for link models
that must rank items outside the user's own past (`rdl.nn.contextgnn`).

Generative story (seeded, reproducible): ``num_genres`` genres; each user has a taste
(a Dirichlet(0.3) mix over genres: one to three favourite genres), an activity rate and a
sign-up day; each item has a genre, a quality and a listing day spread over the whole
period (new items keep arriving). A user rates at Poisson times after signing up; at each
rating they pick one item among those already listed that they have not rated, with
probability proportional to ``taste[genre] * exp(quality) * exp(-age / 365 days)`` (taste,
quality, and a preference for new items), and give it ``round(3 + quality + noise)``
stars (1-5).

So popularity (quality, novelty) explains part of each choice and the user's taste —
visible only through the genres of the items they rated before — the rest. A model that
beats global popularity on MAP@k must learn the taste; the user's own past items are
never the answer (past visits = popularity).

Tables: ``users`` (``signed_up_at``; ``age_group``, ``region`` — uninformative),
``items`` (``listed_at``; ``genre``, ``price``), ``ratings`` (``rated_at``; ``user_id``,
``item_id``, ``stars``). Default size: 2,000 users, 1,000 items, ~100k ratings over two
years (2020-2021) — the memory and benchmark run; tests build a small one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.db import Database, Table, infer_stypes

NAME = "synthetic-ratings"
DEFAULT_CUT = None
START = pd.Timestamp("2020-01-01")


def build_database(
    cut: str | None = DEFAULT_CUT,
    *,
    num_users: int = 2000,
    num_items: int = 1000,
    ratings_per_user: float = 50.0,
    num_genres: int = 8,
    days: int = 731,
    seed: int = 0,
) -> Database:
    """The ratings database (see the module docstring).

    Args:
        cut: keep rows dated up to and including this day (``None``: all).
        num_users, num_items: table sizes.
        ratings_per_user: mean number of ratings a user gives over the whole period.
        num_genres: number of item genres.
        days: length of the period from 2020-01-01.
        seed: random seed.
    """
    rng = np.random.default_rng(seed)
    taste = rng.dirichlet(np.full(num_genres, 0.3), num_users)
    signup = rng.uniform(0, days * 0.5, num_users)
    rate = rng.gamma(2.0, ratings_per_user / 2.0, num_users) / (days - signup)  # per day
    genre = rng.integers(0, num_genres, num_items)
    quality = rng.normal(0.0, 1.0, num_items)
    listed = np.sort(rng.uniform(-60, days - 30, num_items))  # some listed before the start
    price = np.round(rng.lognormal(2.5, 0.6, num_items), 2)

    rows = []
    for u in range(num_users):
        n = rng.poisson(rate[u] * (days - signup[u]))
        times = np.sort(rng.uniform(signup[u], days, n))
        rated = np.zeros(num_items, dtype=bool)
        pref = taste[u][genre] * np.exp(quality)
        for t in times:
            avail = (listed <= t) & ~rated
            if not avail.any():
                continue
            w = pref * np.exp(-(t - listed) / 365.0) * avail
            if w.sum() <= 0:
                continue
            i = int(rng.choice(num_items, p=w / w.sum()))
            rated[i] = True
            stars = int(np.clip(np.round(3 + quality[i] + rng.normal(0, 0.8)), 1, 5))
            rows.append((u + 1, i + 1, t, stars))

    def when(days_since_start) -> pd.Series:
        s = pd.Series(np.asarray(days_since_start, dtype=np.float64))
        return (START + pd.to_timedelta(s, unit="D")).dt.floor("s")

    ratings = pd.DataFrame(rows, columns=["user_id", "item_id", "t", "stars"])
    ratings["rated_at"] = when(ratings.pop("t"))
    ratings = ratings.sort_values("rated_at", kind="stable").reset_index(drop=True)
    ratings.insert(0, "rating_id", np.arange(1, len(ratings) + 1))
    users = pd.DataFrame(
        {
            "user_id": np.arange(1, num_users + 1),
            "signed_up_at": when(signup),
            "age_group": rng.choice(["18-24", "25-34", "35-49", "50+"], num_users),
            "region": rng.choice(["north", "south", "east", "west"], num_users),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.arange(1, num_items + 1),
            "listed_at": when(listed),
            "genre": np.array([f"genre_{g:02d}" for g in genre]),
            "price": price,
        }
    )

    def table(df, pkey, fkeys, time_col):
        df[time_col] = df[time_col].astype("datetime64[ns]")
        if cut is not None:
            df = df[df[time_col] <= pd.Timestamp(cut)].reset_index(drop=True)
        return Table(df, fkeys, pkey, time_col, infer_stypes(df, exclude=[pkey, *fkeys]))

    return Database(
        {
            "users": table(users, "user_id", {}, "signed_up_at"),
            "items": table(items, "item_id", {}, "listed_at"),
            "ratings": table(
                ratings, "rating_id", {"user_id": "users", "item_id": "items"}, "rated_at"
            ),
        }
    )
