"""Task addressing: ``FILE.py:NAME`` and built-in names such as ``rel-f1/driver-dnf``.

A task file is plain Python. In it, a task is

* a subclass of `rdl.tasks.EntityTask` (or `BaseTask`): instantiated on the database;
* an instance of one: re-bound to the database with `BaseTask.with_db`;
* a callable ``f(db, cache_dir=None) -> task`` (for example a ``functools.partial`` of a
  class with overrides).

``NAME`` is the Python name in the file, or a task's ``name`` attribute. A file's tasks
are the task classes defined in it, those it re-exports in ``__all__``, and the task
instances bound at module level.

Built-in tasks ship inside the package in `rdl/tasks/builtin/` (`rdl.project.TASKS_DIR`);
the folders listed in the environment variable ``RDL_TASKS_PATH`` are searched before it.
A file there declares the dataset it belongs to with ``DATASET = "rel-f1"`` (default: the
file's stem) and its tasks are addressed as ``DATASET/NAME`` (or just ``NAME`` when that is
unambiguous); the first file that defines an address wins.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

from rdl.db import Database
from rdl.db.errors import arg
from rdl.tasks.base import BaseTask
from rdl.tasks.types import TaskError


def _is_task_class(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, BaseTask) and not _is_abstract(obj)


def _is_abstract(cls: type[BaseTask]) -> bool:
    return any(getattr(cls, a, None) is None for a in cls.REQUIRED)


def file_tasks(module: ModuleType) -> dict[str, Any]:
    """The tasks a task file defines: Python name -> class or instance.

    Lists the task classes defined in the file itself or re-exported by name in its
    ``__all__`` (not other imported ones, not abstract ones lacking required attributes)
    and every task instance bound at module level.
    """
    exported = set(getattr(module, "__all__", ()))
    out = {}
    for attr, obj in vars(module).items():
        if attr.startswith("_"):
            continue
        if (
            _is_task_class(obj) and (obj.__module__ == module.__name__ or attr in exported)
        ) or isinstance(obj, BaseTask):
            out[attr] = obj
    return out


def _task_name(obj: Any) -> str | None:
    return getattr(obj, "name", None) or (obj.__name__ if inspect.isclass(obj) else None)


def _describe(tasks: dict[str, Any]) -> str:
    if not tasks:
        return "(none)"
    return ", ".join(
        f"{attr} ({_task_name(obj)})" if _task_name(obj) not in (None, attr) else attr
        for attr, obj in tasks.items()
    )


def _instantiate(obj: Any, db: Database, cache_dir: str | None, where: str) -> BaseTask:
    if _is_task_class(obj):
        return obj(db, cache_dir=cache_dir)
    if isinstance(obj, BaseTask):
        return obj.with_db(db, cache_dir)
    if inspect.isclass(obj) and issubclass(obj, BaseTask):
        missing = [a for a in obj.REQUIRED if getattr(obj, a, None) is None]
        raise TaskError(f"{where}: {obj.__name__} is an abstract task: {missing} not set.")
    if callable(obj) and not inspect.isclass(obj):
        task = obj(db, cache_dir=cache_dir)
        if not isinstance(task, BaseTask):
            raise TaskError(f"{where}: calling it returned a {type(task).__name__}, not a task.")
        return task
    raise TaskError(f"{where} is a {type(obj).__name__}, not a task class, instance or factory.")


def _from_module(module: ModuleType, name: str | None, db: Database, cache_dir, where: str):
    tasks = file_tasks(module)
    if name is None:
        if len(tasks) == 1:
            (obj,) = tasks.values()
            return _instantiate(obj, db, cache_dir, where)
        raise TaskError(
            f"{where} defines {len(tasks)} tasks; pick one with {where}:NAME. "
            f"Available: {_describe(tasks)}."
        )
    if hasattr(module, name):
        return _instantiate(getattr(module, name), db, cache_dir, f"{where}:{name}")
    matches = [obj for obj in tasks.values() if _task_name(obj) == name]
    if len(matches) == 1:
        return _instantiate(matches[0], db, cache_dir, f"{where}:{name}")
    if len(matches) > 1:
        raise TaskError(f"{where}: several tasks are named {name!r}; use the Python name.")
    raise TaskError(f"{where} has no task {name!r}. Available: {_describe(tasks)}.")


def builtin_task_files() -> list[tuple[str, Path]]:
    """``(dataset, file)`` for every task file on ``RDL_TASKS_PATH`` and in `TASKS_DIR`.

    Raises:
        TaskError: a task file fails to import; the message names the file.
    """
    from rdl.project import TASKS_DIR, TASKS_PATH_ENV, load_file, python_files, search_path

    out = []
    for folder in search_path(TASKS_PATH_ENV, TASKS_DIR):
        for path in python_files(folder):
            try:
                module = load_file(path)
            except Exception as e:  # a user's file: say which one, keep the cause
                raise TaskError(
                    f"task file {path} (found through {TASKS_PATH_ENV} or the built-in "
                    f"tasks) failed to import: {type(e).__name__}: {e}"
                ) from e
            out.append((getattr(module, "DATASET", path.stem), path))
    return out


def builtin_tasks() -> dict[str, str]:
    """Every built-in task address (``"rel-f1/driver-dnf"``) -> ``"FILE.py:ClassName"``.

    ``FILE.py`` is the absolute path of the file that defines it (for the packaged tasks,
    ``.../rdl/tasks/builtin/f1.py``); the first file that defines an address wins.
    """
    from rdl.project import load_file

    out: dict[str, str] = {}
    for dataset, path in builtin_task_files():
        for attr, obj in file_tasks(load_file(path)).items():
            out.setdefault(f"{dataset}/{_task_name(obj)}", f"{path}:{attr}")
    return out


def load_task(spec: str, db: Database, cache_dir: str | None = None) -> BaseTask:
    """The task addressed by ``spec``, built on ``db``.

    Args:
        spec: ``"path/to/file.py:NAME"`` (``NAME`` a class, instance or factory in the
            file, by Python name or by the task's ``name``), ``"path/to/file.py"`` (a file
            with a single task), a built-in ``"DATASET/NAME"`` such as
            ``"rel-f1/driver-dnf"`` (or ``"driver-dnf"`` if unambiguous), or a predictive
            query ``"PREDICT ... FOR EACH ..."`` (`rdl.tasks.query.from_query`).
        db: the database the task runs on.
        cache_dir: on-disk table cache directory (see `BaseTask`).

    Returns:
        the task instance (an `rdl.tasks.EntityTask` for entity tasks).

    Raises:
        TaskError: no such file or task; the message lists the available tasks.
    """
    from rdl.project import load_file
    from rdl.tasks.query import from_query, is_query

    if is_query(spec):
        return from_query(db, spec, cache_dir=cache_dir)
    file_part, sep, name = spec.rpartition(":")
    if sep and file_part.endswith(".py"):
        path = Path(file_part)
        if not path.exists():
            raise TaskError(f"task file {file_part!r} (from {spec!r}) does not exist.")
        return _from_module(load_file(path), name or None, db, cache_dir, file_part)
    if spec.endswith(".py"):
        if not Path(spec).exists():
            raise TaskError(f"task file {spec!r} does not exist.")
        return _from_module(load_file(spec), None, db, cache_dir, spec)

    known = builtin_tasks()
    if spec in known:
        file, attr = known[spec].rsplit(":", 1)
        return _instantiate(getattr(load_file(file), attr), db, cache_dir, spec)
    by_short = [k for k in known if k.split("/", 1)[1] == spec]
    if len(by_short) == 1:
        return load_task(by_short[0], db, cache_dir)
    hint = (
        f" It is ambiguous: {by_short}."
        if len(by_short) > 1
        else " Address a task file as FILE.py:NAME (or add its folder to RDL_TASKS_PATH and "
        "use DATASET/NAME)."
    )
    raise TaskError(f"no task {spec!r}.{hint} Built-in tasks: {sorted(known) or '(none)'}.")


def task_file_schema(spec: str) -> dict | None:
    """The ``SCHEMA = {...}`` (`rdl.connect` keyword arguments, checked by
    `rdl.db.schema_file.check_schema`) of the task file ``spec`` addresses, or ``None``.

    A task file may carry the schema options its database needs beside its tasks, so
    ``rdl train --task FILE.py:NAME`` needs no flags.

    Raises:
        TaskError: ``spec`` names a ``.py`` file that does not exist.
        SchemaError: ``SCHEMA`` is malformed.
    """
    from rdl.db.schema_file import check_schema
    from rdl.project import load_file

    file_part, sep, _ = spec.rpartition(":")
    path = (
        file_part if sep and file_part.endswith(".py") else (spec if spec.endswith(".py") else None)
    )
    if path is None:
        known = builtin_tasks()
        full = (
            spec if spec in known else next((k for k in known if k.split("/", 1)[1] == spec), None)
        )
        if full is None:
            return None
        path = known[full].rsplit(":", 1)[0]
    if not Path(path).exists():
        raise TaskError(
            f"task file {path!r} (from {arg('task', repr(spec), cli=spec)}) does not exist."
        )
    try:
        module = load_file(path)
    except Exception as e:  # a user's file: say which one and why, keep the cause
        raise TaskError(f"task file {path} failed to import: {type(e).__name__}: {e}") from e
    schema = getattr(module, "SCHEMA", None)
    return None if schema is None else check_schema(schema, f"SCHEMA in {path}", complete=False)
