"""Opening a database goes wrong in a few ways a user can fix; each becomes one message.

`opening` wraps the code that opens and reads a database and turns the driver's errors
into `SourceError` s (or `FileNotFoundError` for a missing file) that say what happened in
the user's terms and what to do: the ``postgresql://`` URL whose default driver
(psycopg2) is not installed -> ``postgresql+psycopg://``; a file locked by a writer; a
file that is not a SQLite / DuckDB database; a server that refuses the connection.
Passwords in URLs are never printed.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import overload

import sqlalchemy as sa

from rdl.db.errors import RdlError, SourceError

#: installed drivers rdl knows, per URL scheme without a driver
DRIVER_HINTS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}


#: query parameters of a URL that carry a credential (libpq's ``?password=``, ...)
SECRET_PARAMS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "sslpassword",
    }
)


@overload
def safe_url(url: None) -> None: ...
@overload
def safe_url(url: str) -> str: ...
def safe_url(url: str | None) -> str | None:
    """``url`` as rdl shows or stores it: the password (``user:PASSWORD@host``) and any
    credential in the query string (``?password=...``, `SECRET_PARAMS`) replaced by
    ``***`` (SQLAlchemy's ``URL.render_as_string(hide_password=True)``). Every URL rdl
    prints, writes to ``results.json`` / ``model.pt`` / a report, or puts in a message goes
    through this function; the URL the caller passed is used only to connect.

    A file path or anything that is not a URL is returned as it is (nothing to hide)."""
    if url is None:
        return url
    text = str(url)
    if "://" not in text:
        return text
    try:
        parsed = sa.make_url(text)
    except Exception:  # not a SQLAlchemy URL: hide what looks like user:password@
        return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", text)
    if any(k.lower() in SECRET_PARAMS for k in parsed.query):
        parsed = parsed.update_query_dict(
            {k: "***" for k in parsed.query if k.lower() in SECRET_PARAMS}
        )
    return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def missing_file(kind: str, path: str) -> FileNotFoundError:
    p = Path(path)
    hint = (
        f"; a relative path is resolved against the working directory {Path.cwd()} "
        f"(a URL takes three slashes before a relative path, four before an absolute one)"
        if not p.is_absolute()
        else ""
    )
    return FileNotFoundError(
        f"{kind} file {str(p.resolve())!r} does not exist{hint}. Check the path; rdl only "
        "reads databases, it never creates one."
    )


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "orig", None) or e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _translate(e: BaseException, url: str, kind: str, path: str | None) -> RdlError | None:
    shown = safe_url(url)
    msg = _first_line(e).lower()
    if isinstance(e, ModuleNotFoundError):
        scheme = url.split("://", 1)[0]
        better = DRIVER_HINTS.get(scheme.split("+")[0])
        if better and scheme != better:
            fixed = shown.replace(scheme + "://", better + "://", 1)
            return SourceError(
                f"{shown}: the URL names no driver, and SQLAlchemy's default for it "
                f"({e.name}) is not installed. rdl talks to PostgreSQL through psycopg 3: "
                f"write the URL as {fixed}"
            )
        return SourceError(
            f"{shown}: the database driver {e.name!r} that this URL needs is not installed. "
            f"Install it (pip install {e.name}) or name an installed driver in the URL "
            "(rdl ships sqlite:///, duckdb:/// and postgresql+psycopg://)."
        )
    if isinstance(e, sa.exc.NoSuchModuleError):
        scheme = url.split("://", 1)[0]
        return SourceError(
            f"{shown}: SQLAlchemy knows no database kind {scheme!r}. rdl reads sqlite:///FILE, "
            "duckdb:///FILE and postgresql+psycopg://USER@HOST:PORT/DB (and other SQLAlchemy "
            "dialects whose driver is installed), or a path ending in .duckdb / .sqlite / .db."
        )
    if isinstance(e, sa.exc.ArgumentError):
        return SourceError(
            f"{url!r} is not a database URL ({_first_line(e)}). Write it as "
            "sqlite:///FILE, duckdb:///FILE or postgresql+psycopg://USER@HOST:PORT/DB, or "
            "pass a path ending in .duckdb / .sqlite / .db."
        )
    where = f"the {kind} file {path!r}" if path else shown
    if (
        "locked" in msg
        or "could not set lock" in msg
        or "conflicting lock" in msg
        or "different configuration" in msg
    ):
        return SourceError(
            f"{where} is locked by another program that is writing to it ({_first_line(e)}). "
            "rdl only reads, but the database will not let a reader in now: close that "
            "program or wait for it to finish, or point rdl at a copy of the file."
        )
    if (
        "not a database" in msg
        or "not a valid duckdb" in msg
        or "file is encrypted" in msg
        or "unable to open database file" in msg
        or "is a directory" in msg
    ):
        return SourceError(
            f"{where} is not a {kind} database ({_first_line(e)}). Check the path and the "
            "URL's scheme (sqlite:/// for SQLite files, duckdb:/// for DuckDB files)."
        )
    if isinstance(e, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return SourceError(
            f"cannot connect to {shown}: {_first_line(e)}. Check that the server runs and "
            "the host, port, user, password and database name."
        )
    if isinstance(e, (sa.exc.DBAPIError, sqlite3.Error)):
        return SourceError(f"cannot read {where}: {_first_line(e)}.")
    try:
        import duckdb
    except ImportError:  # pragma: no cover
        return None
    if isinstance(e, duckdb.Error):
        return SourceError(f"cannot read {where}: {_first_line(e)}.")
    return None


@contextmanager
def opening(url: str, kind: str = "database", path: str | None = None):
    """Run the body; a driver error becomes a `SourceError` naming ``url`` / ``path``.

    rdl's own errors and a missing file pass through unchanged; other exceptions too.
    """
    try:
        yield
    except (RdlError, FileNotFoundError):
        raise
    except Exception as e:
        err = _translate(e, url, kind, path)
        if err is None:
            raise
        raise err from e


__all__ = ["DRIVER_HINTS", "SECRET_PARAMS", "missing_file", "opening", "safe_url"]
