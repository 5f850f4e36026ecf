"""Suite files: which databases and tasks ``rdl bench`` runs, with which train options.

A suite is a TOML file::

    name = "panel"                      # optional (default: the file's stem)
    description = "..."                 # optional
    [train]                             # optional: `rdl.train.TrainConfig` keyword arguments
    epochs = 10                         #   for every run of the suite (not seed / protocol)

    [[database]]
    name = "rel-f1"                     # how the leaderboard names it (default: the recipe)
    recipe = "rel-f1"                   # a built-in recipe (`rdl datasets build`), built once
    # url = "duckdb:///shop.duckdb"     # ... or a SQLAlchemy URL / a .duckdb, .sqlite, .db
    # path = "shop.sqlite"              #     path, relative to the suite file
    # scale = 0.01                      # generated recipes (tpch): the scale factor
    # schema = { time_cols = { orders = "date" } }   # `rdl.connect` keyword arguments
    # train = { epochs = 5 }            # overrides [train] for this database's tasks
    tasks = ["rel-f1/driver-dnf"]       # built-in names or FILE.py:NAME (relative to the file)

The built-in suites (``panel``, ``rel-f1``) are TOML files in ``rdl/bench/suites/``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rdl.db import RdlError
from rdl.db.errors import arg

SUITES_DIR = Path(__file__).resolve().parent / "suites"
#: train options ``rdl bench`` sets itself, per run
RESERVED_TRAIN = ("seed", "protocol")
_TOP_KEYS = {"name", "description", "train", "database"}
_DB_KEYS = {"name", "recipe", "url", "path", "scale", "schema", "train", "tasks"}


class SuiteError(RdlError, ValueError):
    """A suite file that cannot be used as written (the message names the file and key)."""


@dataclass(frozen=True)
class DatabaseSpec:
    """One database of a suite: ``recipe`` (with ``scale``) or ``url``; ``schema`` holds
    `rdl.connect` keyword arguments, ``train`` the merged train options of its tasks."""

    name: str
    recipe: str | None = None
    url: str | None = None
    scale: float | None = None
    schema: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TaskSpec:
    """One task of a suite. ``spec``: what `rdl.tasks.load_task` takes (``rel-f1/driver-dnf``
    or an absolute ``FILE.py:NAME``); ``id``: ``DATABASE/TASK`` in the leaderboard."""

    id: str
    spec: str
    database: DatabaseSpec

    @property
    def slug(self) -> str:
        """``id`` as one folder name."""
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in self.id.replace("/", "__"))


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    tasks: list[TaskSpec]
    description: str = ""


def builtin_suites() -> dict[str, Path]:
    """Built-in suite name -> its TOML file."""
    return {p.stem: p for p in sorted(SUITES_DIR.glob("*.toml"))}


def suite_path(name_or_file: str) -> Path:
    """The TOML file of a built-in suite name or a path.

    Raises:
        SuiteError: neither a built-in suite nor an existing ``.toml`` file.
    """
    known = builtin_suites()
    if name_or_file in known:
        return known[name_or_file]
    p = Path(name_or_file).expanduser()
    if p.suffix == ".toml" and p.is_file():
        return p
    raise SuiteError(
        f"{arg('suite', repr(name_or_file), cli=name_or_file)}: not a built-in suite "
        f"({sorted(known)}) "
        "nor an existing .toml suite file; write one as rdl/bench/suite.py "
        "describes (databases, tasks, train options)"
    )


def _check_train(options, where: str) -> dict:
    from rdl.train.config import ConfigError, TrainConfig

    if not isinstance(options, dict):
        raise SuiteError(f"{where}: train options must be a table (e.g. train = {{ epochs = 5 }})")
    known = set(TrainConfig().to_dict())  # the flat settings (results.json's "config")
    bad = sorted(set(options) - known)
    if bad:
        raise SuiteError(f"{where}: {bad} are not train options; known: {sorted(known)}")
    fixed = sorted(set(options) & set(RESERVED_TRAIN))
    if fixed:
        raise SuiteError(
            f"{where}: {fixed} are set by rdl bench per run ({arg('seeds')}, "
            f"{arg('protocol')}); remove them from the suite"
        )
    try:
        TrainConfig(**options)
    except ConfigError as e:
        raise SuiteError(f"{where}: train option {e.field!r}: {e}") from None
    return dict(options)


def _task_spec(text, base: Path, where: str) -> str:
    if not isinstance(text, str) or not text:
        raise SuiteError(f"{where}: each task is a string (rel-f1/driver-dnf or FILE.py:NAME)")
    file_part, sep, name = text.rpartition(":")
    if sep and file_part.endswith(".py"):
        path = (base / file_part).resolve()
        if not path.exists():
            raise SuiteError(f"{where}: task file {str(path)!r} does not exist")
        return f"{path}:{name}"
    if text.endswith(".py"):
        raise SuiteError(f"{where}: name the task of {text!r} as FILE.py:NAME")
    from rdl.tasks import builtin_tasks

    known = builtin_tasks()
    if text not in known:
        raise SuiteError(
            f"{where}: no built-in task {text!r}; known: {sorted(known)} "
            "(a task of your own: FILE.py:NAME)"
        )
    return text


def _task_name(spec: str) -> str:
    file_part, sep, name = spec.rpartition(":")
    if sep and file_part.endswith(".py"):
        return name
    return spec.split("/", 1)[-1]


def load_suite(name_or_file: str) -> Suite:
    """Read and check a suite (built-in name or TOML file) before any work.

    Raises:
        SuiteError: unreadable TOML, unknown keys, a database with neither or both of
            ``recipe`` and ``url`` / ``path``, an unknown task or train option, two tasks
            of the same id.
    """
    path = suite_path(name_or_file)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SuiteError(f"suite {str(path)!r} is not valid TOML: {e}") from None
    bad = sorted(set(data) - _TOP_KEYS)
    if bad:
        raise SuiteError(f"suite {str(path)!r}: unknown keys {bad}; known: {sorted(_TOP_KEYS)}")
    train = _check_train(data.get("train", {}), f"suite {str(path)!r} [train]")
    dbs = data.get("database") or []
    if not isinstance(dbs, list) or not dbs:
        raise SuiteError(
            f"suite {str(path)!r} names no database: add a [[database]] table "
            "with recipe = ... or url = ... and tasks = [...]"
        )
    tasks, ids = [], set()
    for i, entry in enumerate(dbs):
        where = f"suite {str(path)!r}, database {i + 1}"
        if not isinstance(entry, dict):
            raise SuiteError(f"{where}: write it as a [[database]] table")
        bad = sorted(set(entry) - _DB_KEYS)
        if bad:
            raise SuiteError(f"{where}: unknown keys {bad}; known: {sorted(_DB_KEYS)}")
        url = entry.get("url")
        if entry.get("path") is not None:
            url = str((path.parent / entry["path"]).resolve()) if url is None else None
            if url is None:
                raise SuiteError(f"{where}: give url or path, not both")
        if (entry.get("recipe") is None) == (url is None):
            raise SuiteError(
                f"{where}: give exactly one of recipe (a built-in recipe name) and url / path"
            )
        name = str(entry.get("name") or entry.get("recipe") or Path(str(url)).stem)
        where = f"suite {str(path)!r}, database {name!r}"
        schema = entry.get("schema") or {}
        if not isinstance(schema, dict):
            raise SuiteError(f"{where}: schema must be a table of rdl.connect keyword arguments")
        db = DatabaseSpec(
            name=name,
            recipe=entry.get("recipe"),
            url=url,
            scale=entry.get("scale"),
            schema=dict(schema),
            train={**train, **_check_train(entry.get("train", {}), where)},
        )
        specs = entry.get("tasks") or []
        if not isinstance(specs, list) or not specs:
            raise SuiteError(f"{where}: tasks = [...] lists no task")
        for text in specs:
            spec = _task_spec(text, path.parent, where)
            tid = f"{name}/{_task_name(spec)}"
            if tid in ids:
                raise SuiteError(f"{where}: task {tid!r} is listed twice")
            ids.add(tid)
            tasks.append(TaskSpec(tid, spec, db))
    return Suite(str(data.get("name") or path.stem), path, tasks, str(data.get("description", "")))


def task_kind(spec: str) -> str:
    """``"link"`` or ``"entity"`` for a task spec, from its class (no database opened)."""
    from rdl.project import load_file
    from rdl.tasks import builtin_tasks
    from rdl.tasks.load import file_tasks

    file_part, sep, name = spec.rpartition(":")
    if not (sep and file_part.endswith(".py")):
        file_part, _, name = builtin_tasks()[spec].rpartition(":")
    module = load_file(file_part)
    obj = getattr(module, name, None)
    if obj is None:
        obj = next(
            (o for o in file_tasks(module).values() if getattr(o, "name", None) == name), None
        )
    return "link" if str(getattr(obj, "task_type", "")) == "link_prediction" else "entity"


__all__ = [
    "DatabaseSpec",
    "Suite",
    "SuiteError",
    "TaskSpec",
    "builtin_suites",
    "load_suite",
    "suite_path",
    "task_kind",
]
