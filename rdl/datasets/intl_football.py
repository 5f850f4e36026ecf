"""intl-football: every men's full international football match since 1872 (results,
goal scorers, penalty shoot-outs), a multi-year sports history of another shape than
rel-f1: two teams per match, no seasons, 337 teams, 150 years.

Source: Mart Jürisoo's ``international_results`` files shipped beside this file in
``rdl/datasets/intl-football/`` (CC0; gzip-compressed CSVs; see its SOURCE.md).

Construction (each trap of the raw files handled here, so the `Database` is clean):

* the raw files have **no keys**: a match is named by ``(date, home_team, away_team)``
  and a team by its name. The recipe gives ``matches`` a surrogate ``match_id`` (file
  order), ``teams`` a ``team_id`` (names sorted), ``tournaments`` a ``tournament_id``,
  and joins goals and shoot-outs to their match by the three columns; one key occurs
  twice in ``results.csv`` (two rows with the same date and teams): the second row is
  dropped, so every goal has exactly one match;
* ``home_team`` is only the team named first: on neutral ground (``neutral``) neither
  team is at home;
* a goal's ``team`` is the team credited with it (the opponent for an own goal); scorer
  names are not unique across teams, so ``players`` are keyed by ``(team, scorer)``; 44
  goals have no scorer and 254 no minute (NULL);
* ``former_names`` (a team's earlier names with their dates, e.g. Dahomey -> Benin) keep
  ``end_date`` as time column: the row is known once the name changed;
* goals and shoot-outs are dated by their match (``date``); every table has at most one
  datetime column whose name looks like a time, so `rdl.connect` picks the same time
  columns when it reads a built file back.

Tables and time columns: ``teams`` (static), ``tournaments`` (static), ``players``
(static: name, team), ``matches`` (``date``; teams, scores, tournament, city, country,
neutral), ``goals`` (``date``; match, team, player, minute, own goal, penalty),
``shootouts`` (``date``; match, winner, first shooter), ``former_names`` (``end_date``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rdl.db import Database, Table, infer_stypes

NAME = "intl-football"
SOURCE_DIR = Path(__file__).resolve().parent / "intl-football"
DEFAULT_CUT = None
MATCH_KEY = ["date", "home_team", "away_team"]


def read_raw(src_dir: str | Path = SOURCE_DIR) -> dict[str, pd.DataFrame]:
    """The four raw files as read (``date`` columns parsed), keyed by file stem."""
    src = Path(src_dir)
    out = {}
    for name in ("results", "goalscorers", "shootouts", "former_names"):
        path = src / f"{name}.csv.gz"
        df = pd.read_csv(path if path.exists() else src / f"{name}.csv")
        for col in ("date", "start_date", "end_date"):
            if col in df:
                df[col] = pd.to_datetime(df[col], format="%Y-%m-%d").astype("datetime64[ns]")
        out[name] = df
    return out


def _ids(names: pd.Series) -> dict[str, int]:
    return {n: i + 1 for i, n in enumerate(sorted(names.dropna().unique()))}


def build_database(
    src_dir: str | Path = SOURCE_DIR, cut: str | None = DEFAULT_CUT, *, since: str | None = None
) -> Database:
    """intl-football as a `Database` (7 tables; see the module docstring).

    Args:
        src_dir: folder with the CSV files (``.csv.gz`` or ``.csv``).
        cut: keep rows dated up to and including this day (``None``: all).
        since: keep only matches (and their goals and shoot-outs) from this day on
            (``None``: all, from 1872); a smaller database for tests.
    """
    raw = read_raw(src_dir)
    results = raw["results"].drop_duplicates(MATCH_KEY).reset_index(drop=True)
    if since is not None:
        results = results[results["date"] >= pd.Timestamp(since)].reset_index(drop=True)
    if cut is not None:
        results = results[results["date"] <= pd.Timestamp(cut)].reset_index(drop=True)
    results.insert(0, "match_id", np.arange(1, len(results) + 1))
    former = raw["former_names"]
    team_id = _ids(
        pd.concat([raw["results"]["home_team"], raw["results"]["away_team"], former["current"]])
    )
    tour_id = _ids(raw["results"]["tournament"])

    matches = pd.DataFrame(
        {
            "match_id": results["match_id"],
            "date": results["date"],
            "home_team_id": results["home_team"].map(team_id),
            "away_team_id": results["away_team"].map(team_id),
            "home_score": results["home_score"],
            "away_score": results["away_score"],
            "tournament_id": results["tournament"].map(tour_id),
            "city": results["city"],
            "country": results["country"],
            "neutral": results["neutral"].astype(bool),
        }
    )
    keyed = results[["match_id", *MATCH_KEY]]
    g = raw["goalscorers"].merge(keyed, on=MATCH_KEY, how="inner")
    g["team_id"] = g["team"].map(team_id)
    scorers = g.loc[g["scorer"].notna(), ["team_id", "scorer"]].drop_duplicates()
    scorers = scorers.sort_values(["team_id", "scorer"]).reset_index(drop=True)
    scorers.insert(0, "player_id", np.arange(1, len(scorers) + 1))
    g = g.merge(scorers, on=["team_id", "scorer"], how="left")
    goals = pd.DataFrame(
        {
            "goal_id": np.arange(1, len(g) + 1),
            "match_id": g["match_id"],
            "date": g["date"],
            "team_id": g["team_id"],
            "player_id": g["player_id"].astype("Int64"),
            "minute": g["minute"],
            "own_goal": g["own_goal"].astype(bool),
            "penalty": g["penalty"].astype(bool),
        }
    )
    s = raw["shootouts"].merge(keyed, on=MATCH_KEY, how="inner")
    shootouts = pd.DataFrame(
        {
            "shootout_id": np.arange(1, len(s) + 1),
            "match_id": s["match_id"],
            "date": s["date"],
            "winner_team_id": s["winner"].map(team_id),
            "first_shooter_team_id": s["first_shooter"].map(team_id).astype("Int64"),
        }
    )
    former_names = pd.DataFrame(
        {
            "former_name_id": np.arange(1, len(former) + 1),
            "team_id": former["current"].map(team_id),
            "former_name": former["former"],
            "start_date": former["start_date"],
            "end_date": former["end_date"],
        }
    )
    former_names = former_names.rename(columns={"start_date": "named_from"})
    if cut is not None:
        former_names = former_names[former_names["end_date"] <= pd.Timestamp(cut)]
    teams = pd.DataFrame({"team_id": list(team_id.values()), "name": list(team_id)})
    tournaments = pd.DataFrame({"tournament_id": list(tour_id.values()), "name": list(tour_id)})
    players = scorers.rename(columns={"scorer": "name"})[["player_id", "name", "team_id"]]

    def t(df, pkey, fkeys, time_col=None):
        df = df.sort_values(pkey).reset_index(drop=True)
        return Table(df, fkeys, pkey, time_col, infer_stypes(df, exclude=[pkey, *fkeys]))

    return Database(
        {
            "teams": t(teams, "team_id", {}),
            "tournaments": t(tournaments, "tournament_id", {}),
            "players": t(players, "player_id", {"team_id": "teams"}),
            "matches": t(
                matches,
                "match_id",
                {"home_team_id": "teams", "away_team_id": "teams", "tournament_id": "tournaments"},
                "date",
            ),
            "goals": t(
                goals,
                "goal_id",
                {"match_id": "matches", "team_id": "teams", "player_id": "players"},
                "date",
            ),
            "shootouts": t(
                shootouts,
                "shootout_id",
                {
                    "match_id": "matches",
                    "winner_team_id": "teams",
                    "first_shooter_team_id": "teams",
                },
                "date",
            ),
            "former_names": t(former_names, "former_name_id", {"team_id": "teams"}, "end_date"),
        }
    )
