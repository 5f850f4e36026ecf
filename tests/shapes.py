"""Small databases of the shapes real exports have, generated in code (seeded, fast).

Each builder writes one database and returns ``(url, expected)``: ``expected`` lists the
foreign keys a reader should find (``declared`` in the catalog and ``undeclared``), as
``(table, column, target)``, plus what else the shape is about. Used by
``tests/test_db_shapes.py`` and ``benchmarks/key_finding.py``.

* `music_store` (SQLite): declared keys, composite primary keys, a composite foreign key,
  a self-reference (``employees.ReportsTo``).
* `qa_dump` (DuckDB): no constraints at all; ``Id`` primary keys; role-named keys
  (``OwnerUserId``, ``LastEditorUserId``, ``ParentId``, ``AcceptedAnswerId``,
  ``RelatedPostId``); 3 % of owners deleted (dangling); "as of today" columns on users.
* `flights` (DuckDB): no primary keys; ``TIMESTAMPTZ`` departures; 15 % of plane ids
  dangling; ``origin`` / ``dest`` keyed by ``airports.code``.
* `baseball` (SQLite): integer years; composite keys; declared primary keys only.
* `dvd_rental` (PostgreSQL): a ``last_update`` audit column on every table, one value;
  rentals with three date columns.
* `ratings` (SQLite): no constraints; epoch-second timestamps; movies whose release date
  comes after some of their ratings.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


def _sqlite(path: Path, ddl: str, frames: dict[str, pd.DataFrame]) -> str:
    con = sqlite3.connect(path)
    con.executescript(ddl)
    for name, df in frames.items():
        cols = ", ".join(f'"{c}"' for c in df.columns)
        marks = ", ".join("?" for _ in df.columns)
        rows = [tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                      for v in r) for r in df.itertuples(index=False, name=None)]
        con.executemany(f'INSERT INTO "{name}" ({cols}) VALUES ({marks})', rows)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def _duckdb(path: Path, frames: dict[str, pd.DataFrame], ddl: str = "") -> str:
    con = duckdb.connect(str(path))
    if ddl:
        con.execute(ddl)
    for name, df in frames.items():
        con.register("frame", df)
        if ddl:
            con.execute(f'INSERT INTO "{name}" SELECT * FROM frame')
        else:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
        con.unregister("frame")
    con.close()
    return f"duckdb:///{path}"


def _dates(rng, n, start="2015-01-01", days=1500) -> pd.Series:
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days * 24, n), "h"))


# ---------------------------------------------------------------- music store (SQLite)
MUSIC_DDL = """
CREATE TABLE artists (ArtistId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE genres (GenreId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE albums (AlbumId INTEGER PRIMARY KEY, Title TEXT,
                     ArtistId INTEGER REFERENCES artists(ArtistId));
CREATE TABLE tracks (TrackId INTEGER PRIMARY KEY, Name TEXT,
                     AlbumId INTEGER REFERENCES albums(AlbumId),
                     GenreId INTEGER REFERENCES genres(GenreId), Milliseconds INTEGER,
                     UnitPrice NUMERIC);
CREATE TABLE employees (EmployeeId INTEGER PRIMARY KEY, LastName TEXT,
                        ReportsTo INTEGER REFERENCES employees(EmployeeId), HireDate TIMESTAMP);
CREATE TABLE customers (CustomerId INTEGER PRIMARY KEY, FirstName TEXT, Country TEXT,
                        SupportRepId INTEGER REFERENCES employees(EmployeeId));
CREATE TABLE invoices (InvoiceId INTEGER PRIMARY KEY,
                       CustomerId INTEGER REFERENCES customers(CustomerId),
                       InvoiceDate TIMESTAMP, Total NUMERIC);
CREATE TABLE invoice_lines (InvoiceId INTEGER REFERENCES invoices(InvoiceId), LineNo INTEGER,
                            TrackId INTEGER REFERENCES tracks(TrackId), UnitPrice NUMERIC,
                            Quantity INTEGER, PRIMARY KEY (InvoiceId, LineNo));
CREATE TABLE refunds (RefundId INTEGER PRIMARY KEY, InvoiceId INTEGER, LineNo INTEGER,
                      RefundDate TIMESTAMP,
                      FOREIGN KEY (InvoiceId, LineNo) REFERENCES invoice_lines(InvoiceId, LineNo));
CREATE TABLE playlists (PlaylistId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE playlist_track (PlaylistId INTEGER REFERENCES playlists(PlaylistId),
                             TrackId INTEGER REFERENCES tracks(TrackId),
                             PRIMARY KEY (PlaylistId, TrackId));
"""
MUSIC_FKEYS = [("albums", "ArtistId", "artists"), ("tracks", "AlbumId", "albums"),
               ("tracks", "GenreId", "genres"), ("employees", "ReportsTo", "employees"),
               ("customers", "SupportRepId", "employees"), ("invoices", "CustomerId", "customers"),
               ("invoice_lines", "InvoiceId", "invoices"), ("invoice_lines", "TrackId", "tracks"),
               ("refunds", "InvoiceId,LineNo", "invoice_lines"),
               ("playlist_track", "PlaylistId", "playlists"),
               ("playlist_track", "TrackId", "tracks")]


def music_store(folder: Path, seed: int = 0) -> tuple[str, dict]:
    rng = np.random.default_rng(seed)
    n_tr, n_inv = 300, 400
    f = {
        "artists": pd.DataFrame({"ArtistId": range(1, 41), "Name": [f"artist {i}" for i in range(40)]}),
        "genres": pd.DataFrame({"GenreId": range(1, 9), "Name": [f"g{i}" for i in range(8)]}),
        "albums": pd.DataFrame({"AlbumId": range(1, 81), "Title": [f"album {i}" for i in range(80)],
                                "ArtistId": rng.integers(1, 41, 80)}),
        "tracks": pd.DataFrame({"TrackId": range(1, n_tr + 1), "Name": [f"t{i}" for i in range(n_tr)],
                                "AlbumId": rng.integers(1, 81, n_tr), "GenreId": rng.integers(1, 9, n_tr),
                                "Milliseconds": rng.integers(60_000, 400_000, n_tr),
                                "UnitPrice": rng.choice([0.99, 1.99], n_tr)}),
        "employees": pd.DataFrame({"EmployeeId": range(1, 9), "LastName": list("abcdefgh"),
                                   "ReportsTo": [None, 1, 1, 2, 2, 3, 3, 1],
                                   "HireDate": [str(d) for d in _dates(rng, 8, "2012-01-01", 700)]}),
        "customers": pd.DataFrame({"CustomerId": range(1, 61), "FirstName": [f"c{i}" for i in range(60)],
                                   "Country": rng.choice(["de", "fr", "us", "br"], 60),
                                   "SupportRepId": rng.integers(2, 9, 60)}),
        "invoices": pd.DataFrame({"InvoiceId": range(1, n_inv + 1),
                                  "CustomerId": rng.integers(1, 61, n_inv),
                                  "InvoiceDate": [str(d) for d in _dates(rng, n_inv)],
                                  "Total": rng.random(n_inv) * 20}),
    }
    lines = [(i, ln, int(rng.integers(1, n_tr + 1)), 0.99, int(rng.integers(1, 3)))
             for i in range(1, n_inv + 1) for ln in range(1, int(rng.integers(1, 4)) + 1)]
    f["invoice_lines"] = pd.DataFrame(lines, columns=["InvoiceId", "LineNo", "TrackId",
                                                      "UnitPrice", "Quantity"])
    pick = f["invoice_lines"].sample(30, random_state=seed)
    f["refunds"] = pd.DataFrame({"RefundId": range(1, 31), "InvoiceId": pick["InvoiceId"].to_numpy(),
                                 "LineNo": pick["LineNo"].to_numpy(),
                                 "RefundDate": [str(d) for d in _dates(rng, 30, "2016-01-01", 900)]})
    f["playlists"] = pd.DataFrame({"PlaylistId": range(1, 6), "Name": [f"p{i}" for i in range(5)]})
    pt = {(int(rng.integers(1, 6)), int(rng.integers(1, n_tr + 1))) for _ in range(200)}
    f["playlist_track"] = pd.DataFrame(sorted(pt), columns=["PlaylistId", "TrackId"])
    url = _sqlite(folder / "music.sqlite", MUSIC_DDL, f)
    return url, {"declared": MUSIC_FKEYS, "undeclared": [],
                 "composite_pkeys": {"invoice_lines": ["InvoiceId", "LineNo"],
                                     "playlist_track": ["PlaylistId", "TrackId"]}}


# ---------------------------------------------------------------- Q&A dump (DuckDB)
QA_FKEYS = [("posts", "ParentId", "posts"), ("posts", "AcceptedAnswerId", "posts"),
            ("posts", "OwnerUserId", "users"), ("posts", "LastEditorUserId", "users"),
            ("comments", "PostId", "posts"), ("comments", "UserId", "users"),
            ("votes", "PostId", "posts"), ("votes", "UserId", "users"),
            ("badges", "UserId", "users"), ("post_links", "PostId", "posts"),
            ("post_links", "RelatedPostId", "posts")]


def qa_dump(folder: Path, seed: int = 0) -> tuple[str, dict]:
    rng = np.random.default_rng(seed)
    n_u, n_p = 300, 2000
    users = pd.DataFrame({
        "Id": np.arange(1, n_u + 1), "DisplayName": [f"user{i}" for i in range(n_u)],
        "CreationDate": _dates(rng, n_u, "2012-01-01", 1200).sort_values().to_numpy()})
    created = _dates(rng, n_p, "2012-06-01", 2500).sort_values().to_numpy()
    known = np.maximum(np.searchsorted(users["CreationDate"].to_numpy(), created, "right"), 1)
    owners = (np.floor(rng.random(n_p) * known) + 1).astype(float)  # users who exist by then
    owners[rng.random(n_p) < 0.03] = n_u + 500 + rng.integers(0, 50)  # deleted users
    is_q = rng.random(n_p) < 0.4
    is_q[0] = True
    qids = np.flatnonzero(is_q) + 1
    parent = np.where(is_q, np.nan, [qids[qids <= i + 1][-1] if (qids <= i + 1).any() else np.nan
                                     for i in range(n_p)])
    answers = {}
    for i, p in enumerate(parent):
        if not np.isnan(p):
            answers.setdefault(int(p), i + 1)
    accepted = [answers.get(i + 1) if is_q[i] and rng.random() < 0.6 else None for i in range(n_p)]
    editor = np.where(rng.random(n_p) < 0.3, np.floor(rng.random(n_p) * known) + 1, np.nan)
    posts = pd.DataFrame({
        "Id": np.arange(1, n_p + 1), "PostTypeId": np.where(is_q, 1, 2),
        "ParentId": parent, "AcceptedAnswerId": pd.array(accepted, dtype="Int64"),
        "OwnerUserId": owners, "LastEditorUserId": editor,
        "Score": rng.integers(-2, 30, n_p), "ViewCount": rng.integers(0, 5000, n_p),
        "CreationDate": created, "Title": [f"how do I {i}?" if q else None
                                           for i, q in enumerate(is_q)]})
    activity = pd.Series(owners).value_counts()
    users["Reputation"] = users["Id"].map(activity).fillna(0).to_numpy() * 10 + rng.integers(0, 5, n_u)
    users["Views"] = users["Reputation"] * 3 + rng.integers(0, 20, n_u)
    users["UpVotes"] = rng.integers(0, 100, n_u)
    users["LastAccessDate"] = pd.Timestamp("2019-06-01") + pd.to_timedelta(
        rng.integers(0, 72, n_u), "h")
    post_time = pd.Series(created, index=np.arange(1, n_p + 1))
    user_time = pd.Series(users["CreationDate"].to_numpy(), index=users["Id"].to_numpy())

    def after(*times):  # a moment after every one of ``times`` (children follow parents)
        latest = np.maximum.reduce([np.asarray(t, dtype="datetime64[ns]") for t in times])
        return latest + pd.to_timedelta(rng.integers(1, 400 * 24, len(latest)), "h").to_numpy()

    n_c = 3000
    c_post, c_user = rng.integers(1, n_p + 1, n_c), rng.integers(1, n_u + 1, n_c)
    comments = pd.DataFrame({"Id": np.arange(1, n_c + 1), "PostId": c_post, "UserId": c_user,
                             "Score": rng.integers(0, 5, n_c),
                             "CreationDate": after(post_time[c_post], user_time[c_user]),
                             "Text": [f"comment {i}" for i in range(n_c)]})
    n_v = 4000
    v_post = rng.integers(1, n_p + 1, n_v)
    v_user = np.where(rng.random(n_v) < 0.5, rng.integers(1, n_u + 1, n_v), 0)
    v_user_time = np.where(v_user > 0, user_time.reindex(v_user).to_numpy(),
                           np.datetime64("2012-01-01"))
    votes = pd.DataFrame({"Id": np.arange(1, n_v + 1), "PostId": v_post,
                          "VoteTypeId": rng.integers(1, 4, n_v),
                          "UserId": np.where(v_user > 0, v_user, np.nan),
                          "CreationDate": after(post_time[v_post], v_user_time)})
    b_user = rng.integers(1, n_u + 1, 500)
    badges = pd.DataFrame({"Id": np.arange(1, 501), "UserId": b_user,
                           "Name": rng.choice(["Teacher", "Student", "Editor"], 500),
                           "Date": after(user_time[b_user])})
    l_post, l_rel = rng.integers(1, n_p + 1, 200), rng.integers(1, n_p + 1, 200)
    links = pd.DataFrame({"Id": np.arange(1, 201), "PostId": l_post, "RelatedPostId": l_rel,
                          "LinkTypeId": rng.integers(1, 3, 200),
                          "CreationDate": after(post_time[l_post], post_time[l_rel])})
    url = _duckdb(folder / "qa.duckdb", {"users": users, "posts": posts, "comments": comments,
                                         "votes": votes, "badges": badges, "post_links": links})
    return url, {"declared": [], "undeclared": QA_FKEYS,
                 "leaky": {("users", "Reputation"), ("users", "Views"), ("users", "UpVotes"),
                           ("users", "LastAccessDate")}}


# ---------------------------------------------------------------- flights (DuckDB)
FLIGHT_FKEYS = [("flights", "carrier", "airlines"), ("flights", "tailnum", "planes"),
                ("flights", "origin", "airports"), ("flights", "dest", "airports")]


def flights(folder: Path, seed: int = 0) -> tuple[str, dict]:
    rng = np.random.default_rng(seed)
    codes = ["JFK", "LGA", "EWR", "ATL", "ORD", "LAX", "SFO", "SEA", "DEN", "BOS", "MIA", "DFW"]
    airports = pd.DataFrame({"code": codes, "name": [f"{c} airport" for c in codes],
                             "tz": rng.choice([-5, -6, -8], len(codes)).astype(int)})
    tails = [f"N{100 + i}AA" for i in range(60)]
    planes = pd.DataFrame({"tailnum": tails, "year": rng.integers(1990, 2013, 60),
                           "seats": rng.integers(50, 300, 60)})
    airlines = pd.DataFrame({"carrier": ["AA", "DL", "UA", "B6"],
                             "name": ["American", "Delta", "United", "JetBlue"]})
    n = 2000
    tail = rng.choice(tails, n).astype(object)
    tail[rng.random(n) < 0.15] = [f"N{900 + i}ZZ" for i in range(int((rng.random(n) < 0.15).sum()))][:1] or "N999ZZ"
    od = np.array([rng.choice(codes, 2, replace=False) for _ in range(n)])
    dep = (pd.Timestamp("2013-01-01", tz="America/New_York")
           + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), "min"))
    fl = pd.DataFrame({"year": dep.year, "month": dep.month, "day": dep.day, "dep_time": dep,
                       "carrier": rng.choice(airlines["carrier"], n), "flight": rng.integers(1, 2000, n),
                       "tailnum": tail, "origin": od[:, 0], "dest": od[:, 1],
                       "distance": rng.integers(100, 3000, n), "arr_delay": rng.normal(5, 20, n)})
    url = _duckdb(folder / "flights.duckdb",
                  {"airports": airports, "planes": planes, "airlines": airlines, "flights": fl})
    return url, {"declared": [], "undeclared": FLIGHT_FKEYS,
                 "dangling": {("flights", "tailnum"): float((~pd.Series(tail).isin(tails)).mean())}}


# ---------------------------------------------------------------- baseball (SQLite)
BASEBALL_DDL = """
CREATE TABLE people (playerID TEXT PRIMARY KEY, nameFirst TEXT, birthYear INTEGER, debut TEXT);
CREATE TABLE teams (yearID INTEGER, teamID TEXT, lgID TEXT, W INTEGER, L INTEGER, name TEXT,
                    PRIMARY KEY (yearID, teamID));
CREATE TABLE season_stats (playerID TEXT, yearID INTEGER, stint INTEGER, teamID TEXT,
                           G INTEGER, AB INTEGER, H INTEGER, HR INTEGER,
                           PRIMARY KEY (playerID, yearID, stint));
CREATE TABLE salaries (yearID INTEGER, teamID TEXT, playerID TEXT, salary INTEGER);
"""
BASEBALL_FKEYS = [("season_stats", "playerID", "people"), ("salaries", "playerID", "people")]


def baseball(folder: Path, seed: int = 0) -> tuple[str, dict]:
    rng = np.random.default_rng(seed)
    ids = [f"p{i:04d}" for i in range(120)]
    people = pd.DataFrame({"playerID": ids, "nameFirst": [f"n{i}" for i in range(120)],
                           "birthYear": rng.integers(1960, 1990, 120),
                           "debut": [f"{y}-04-0{d}" for y, d in zip(rng.integers(1985, 2000, 120),
                                                                  rng.integers(1, 9, 120))]})
    teams = pd.DataFrame([(y, t, "AL" if t < "M" else "NL", int(rng.integers(50, 100)),
                           int(rng.integers(50, 100)), f"team {t}")
                          for y in range(1995, 2016) for t in ["BOS", "NYA", "SEA", "SFN"]],
                         columns=["yearID", "teamID", "lgID", "W", "L", "name"])
    rows = []
    for p in ids:
        for y in range(int(rng.integers(1995, 2010)), 2016):
            if rng.random() < 0.7:
                rows.append((p, y, 1, str(rng.choice(["BOS", "NYA", "SEA", "SFN"])),
                             int(rng.integers(1, 160)), int(rng.integers(0, 600)),
                             int(rng.integers(0, 200)), int(rng.integers(0, 40))))
    stats = pd.DataFrame(rows, columns=["playerID", "yearID", "stint", "teamID", "G", "AB", "H", "HR"])
    sal = stats[["yearID", "teamID", "playerID"]].copy()
    sal["salary"] = rng.integers(300_000, 9_000_000, len(sal))
    url = _sqlite(folder / "baseball.sqlite", BASEBALL_DDL,
                  {"people": people, "teams": teams, "season_stats": stats, "salaries": sal})
    return url, {"declared": [], "undeclared": BASEBALL_FKEYS,
                 "composite_fkey": ("season_stats", "yearID,teamID", "teams")}


# ---------------------------------------------------------------- DVD rental (PostgreSQL)
DVD_DDL = """
CREATE TABLE actor (actor_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                    last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33');
CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT, release_year INTEGER,
                   rental_rate NUMERIC(4,2), length INTEGER,
                   last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33');
CREATE TABLE film_actor (actor_id INTEGER REFERENCES actor, film_id INTEGER REFERENCES film,
                         last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33',
                         PRIMARY KEY (actor_id, film_id));
CREATE TABLE store (store_id INTEGER PRIMARY KEY, manager_staff_id INTEGER,
                    last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33');
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, first_name TEXT,
                    store_id INTEGER REFERENCES store,
                    last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33');
ALTER TABLE store ADD FOREIGN KEY (manager_staff_id) REFERENCES staff;
CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, store_id INTEGER REFERENCES store,
                       first_name TEXT, active BOOLEAN, create_date DATE,
                       last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33');
CREATE TABLE inventory (inventory_id INTEGER PRIMARY KEY, film_id INTEGER REFERENCES film,
                        store_id INTEGER REFERENCES store,
                        last_update TIMESTAMP NOT NULL DEFAULT '2006-02-15 09:34:33');
CREATE TABLE rental (rental_id INTEGER PRIMARY KEY, rental_date TIMESTAMP,
                     inventory_id INTEGER REFERENCES inventory,
                     customer_id INTEGER REFERENCES customer, return_date TIMESTAMP,
                     staff_id INTEGER REFERENCES staff,
                     last_update TIMESTAMP NOT NULL DEFAULT '2006-02-16 02:30:53');
CREATE TABLE payment (payment_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer,
                      staff_id INTEGER REFERENCES staff, rental_id INTEGER REFERENCES rental,
                      amount NUMERIC(5,2), payment_date TIMESTAMP);
"""
DVD_FKEYS = [("film_actor", "actor_id", "actor"), ("film_actor", "film_id", "film"),
             ("store", "manager_staff_id", "staff"), ("staff", "store_id", "store"),
             ("customer", "store_id", "store"), ("inventory", "film_id", "film"),
             ("inventory", "store_id", "store"), ("rental", "inventory_id", "inventory"),
             ("rental", "customer_id", "customer"), ("rental", "staff_id", "staff"),
             ("payment", "customer_id", "customer"), ("payment", "staff_id", "staff"),
             ("payment", "rental_id", "rental")]


def dvd_rental(pg_url: str, seed: int = 0) -> tuple[str, dict]:
    """Fill the empty PostgreSQL database at ``pg_url`` (see ``tests/pg.py``)."""
    import psycopg

    rng = np.random.default_rng(seed)
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(DVD_DDL.replace("ALTER TABLE store ADD FOREIGN KEY (manager_staff_id) "
                                  "REFERENCES staff;", ""))
        c.execute("INSERT INTO store (store_id, manager_staff_id) VALUES (1, 1), (2, 2)")
        c.execute("INSERT INTO staff (staff_id, first_name, store_id) VALUES (1, 'a', 1), (2, 'b', 2)")
        c.execute("ALTER TABLE store ADD FOREIGN KEY (manager_staff_id) REFERENCES staff")
        for i in range(1, 31):
            c.execute("INSERT INTO actor (actor_id, first_name, last_name) VALUES (%s, %s, %s)",
                      (i, f"f{i}", f"l{i}"))
        for i in range(1, 61):
            c.execute("INSERT INTO film (film_id, title, release_year, rental_rate, length) "
                      "VALUES (%s, %s, 2006, %s, %s)", (i, f"film {i}", float(rng.choice([0.99, 2.99, 4.99])),
                                                      int(rng.integers(50, 180))))
        pairs = {(int(rng.integers(1, 31)), int(rng.integers(1, 61))) for _ in range(150)}
        for a, f in sorted(pairs):
            c.execute("INSERT INTO film_actor (actor_id, film_id) VALUES (%s, %s)", (a, f))
        for i in range(1, 101):
            c.execute("INSERT INTO customer (customer_id, store_id, first_name, active, create_date) "
                      "VALUES (%s, %s, %s, true, %s)",
                      (i, int(rng.integers(1, 3)), f"c{i}",
                       str((pd.Timestamp("2005-01-01") + pd.Timedelta(days=int(rng.integers(0, 120)))).date())))
        for i in range(1, 201):
            c.execute("INSERT INTO inventory (inventory_id, film_id, store_id) VALUES (%s, %s, %s)",
                      (i, int(rng.integers(1, 61)), int(rng.integers(1, 3))))
        t0 = pd.Timestamp("2005-05-24")
        for i in range(1, 1501):
            rd = t0 + pd.Timedelta(minutes=int(rng.integers(0, 270 * 24 * 60)))
            back = rd + pd.Timedelta(hours=int(rng.integers(24, 200)))
            cust = int(rng.integers(1, 101))
            c.execute("INSERT INTO rental (rental_id, rental_date, inventory_id, customer_id, "
                      "return_date, staff_id) VALUES (%s, %s, %s, %s, %s, %s)",
                      (i, rd.to_pydatetime(), int(rng.integers(1, 201)), cust,
                       back.to_pydatetime(), int(rng.integers(1, 3))))
            c.execute("INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, "
                      "payment_date) VALUES (%s, %s, %s, %s, %s, %s)",
                      (i, cust, int(rng.integers(1, 3)), i, float(rng.choice([0.99, 2.99, 4.99])),
                       (back + pd.Timedelta(minutes=5)).to_pydatetime()))
    return pg_url, {"declared": DVD_FKEYS, "undeclared": [],
                    "time_cols": {"rental": "rental_date", "payment": "payment_date",
                                  "customer": "create_date", "actor": None, "film": None,
                                  "film_actor": None, "store": None, "staff": None,
                                  "inventory": None}}


# ---------------------------------------------------------------- ratings (SQLite)
RATINGS_FKEYS = [("ratings", "userId", "users"), ("ratings", "movieId", "movies"),
                 ("tags", "userId", "users"), ("tags", "movieId", "movies")]


def ratings(folder: Path, seed: int = 0) -> tuple[str, dict]:
    rng = np.random.default_rng(seed)
    n_u, n_m, n_r = 150, 120, 3000
    users = pd.DataFrame({"userId": range(1, n_u + 1), "age": rng.integers(18, 70, n_u),
                          "gender": rng.choice(["F", "M"], n_u),
                          "occupation": rng.choice(["student", "engineer", "artist", "other"], n_u),
                          "zip": [f"{z:05d}" for z in rng.integers(1000, 99999, n_u)]})
    release = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 3000, n_m), "D")
    movies = pd.DataFrame({"movieId": range(1, n_m + 1), "title": [f"movie {i}" for i in range(n_m)],
                           "genres": rng.choice(["Drama", "Comedy", "Action|Drama"], n_m),
                           "release_date": [str(d.date()) for d in release]})
    movie = rng.integers(1, n_m + 1, n_r)
    when = release[movie - 1] + pd.to_timedelta(rng.integers(-30, 900, n_r), "D")  # some early
    r = pd.DataFrame({"userId": rng.integers(1, n_u + 1, n_r), "movieId": movie,
                      "rating": rng.integers(1, 6, n_r).astype(float),
                      "timestamp": when.to_numpy().astype("datetime64[s]").astype("int64")})
    tags = r.sample(300, random_state=seed)[["userId", "movieId", "timestamp"]].copy()
    tags.insert(2, "tag", rng.choice(["funny", "sad", "long"], 300))
    url = _sqlite(folder / "ratings.sqlite", "", {})
    url = _sqlite(folder / "ratings.sqlite", """
        CREATE TABLE users (userId INTEGER, age INTEGER, gender TEXT, occupation TEXT, zip TEXT);
        CREATE TABLE movies (movieId INTEGER, title TEXT, genres TEXT, release_date TEXT);
        CREATE TABLE ratings (userId INTEGER, movieId INTEGER, rating REAL, timestamp INTEGER);
        CREATE TABLE tags (userId INTEGER, movieId INTEGER, tag TEXT, timestamp INTEGER);
    """, {"users": users, "movies": movies, "ratings": r, "tags": tags})
    early = int((when < release[movie - 1]).sum())
    return url, {"declared": [], "undeclared": RATINGS_FKEYS, "early_ratings": early}


BUILDERS = {"music_store": music_store, "qa_dump": qa_dump, "flights": flights,
            "baseball": baseball, "ratings": ratings}
