"""Where rdl finds database recipes and task files, and loading Python files by path.

The built-in ones ship inside the package, so a wheel install has them too:

* recipes in `rdl/datasets/` (`DATASETS_DIR`): a module per database that declares
  ``NAME = "rel-f1"`` on a line of its own and defines ``build_database(cut=...)``; its raw
  files lie beside it as package data (``rdl/datasets/ergast-f1/*.csv``);
* task files in `rdl/tasks/builtin/` (`TASKS_DIR`): a module per dataset that declares
  ``DATASET = "rel-f1"`` (default: the file's stem), read by `rdl.tasks.load`.

The CLI addresses them by name (``rdl datasets build rel-f1``, ``--task rel-f1/driver-dnf``).
Folders of your own join the search with the environment variables ``RDL_DATASETS_PATH``
and ``RDL_TASKS_PATH`` (folders separated by ``os.pathsep``, ``:`` on Linux); they are
searched before the built-in folder and the first file that declares a name wins. The
top-level ``datasets/`` and ``tasks/`` folders of a source checkout are examples that
re-export the packaged modules; they are not searched.

This module imports nothing of rdl at import time (any room may use it).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
DATASETS_DIR = PACKAGE_DIR / "datasets"
TASKS_DIR = PACKAGE_DIR / "tasks" / "builtin"
DATASETS_PATH_ENV = "RDL_DATASETS_PATH"
TASKS_PATH_ENV = "RDL_TASKS_PATH"


def _package_module_name(path: Path) -> str | None:
    """``rdl.tasks.builtin.f1`` for a file of this `rdl` package, else None."""
    try:
        rel = path.relative_to(PACKAGE_DIR)
    except ValueError:
        return None
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not all(part.isidentifier() for part in parts):
        return None
    return ".".join([PACKAGE_DIR.name, *parts])


def load_file(path: str | Path) -> ModuleType:
    """Import a Python file by path (cached per resolved path).

    A file inside the `rdl` package (``rdl/tasks/builtin/f1.py``) is imported under its
    package name (``rdl.tasks.builtin.f1``), so its classes are the same objects however
    the file is addressed; any other file becomes a module named ``rdl_user_...``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    p = Path(path).resolve()
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    package_name = _package_module_name(p)
    if package_name is not None:
        return importlib.import_module(package_name)
    name = "rdl_user_" + "_".join(p.with_suffix("").parts[-3:]).replace("-", "_").replace(".", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:  # not a file Python can import
        raise ImportError(f"cannot import {p} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # a failed import is not cached: fix the file and retry
        raise
    return module


def search_path(env_var: str, builtin_dir: Path) -> list[Path]:
    """The folders named in ``env_var`` (``os.pathsep``-separated), then ``builtin_dir``."""
    extra = [Path(p).expanduser() for p in os.environ.get(env_var, "").split(os.pathsep) if p]
    return [*extra, builtin_dir]


def python_files(folder: Path) -> list[Path]:
    """The ``*.py`` files of ``folder`` whose name does not start with ``_``, sorted."""
    return [p for p in sorted(Path(folder).glob("*.py")) if not p.name.startswith("_")]


def dataset_recipes() -> dict[str, Path]:
    """Recipe name (the file's ``NAME = "..."`` line) -> file.

    Searches the folders of ``RDL_DATASETS_PATH`` and then `DATASETS_DIR`; the first file
    declaring a name wins.
    """
    out: dict[str, Path] = {}
    for folder in search_path(DATASETS_PATH_ENV, DATASETS_DIR):
        for p in python_files(folder):
            for line in p.read_text().splitlines():
                if line.startswith("NAME = "):
                    out.setdefault(line.split("=", 1)[1].strip().strip("\"'"), p)
                    break
    return out


def load_recipe(name: str) -> ModuleType:
    """The recipe module for dataset ``name``.

    Raises:
        KeyError: no recipe of that name; the message lists the known ones.
    """
    recipes = dataset_recipes()
    if name not in recipes:
        raise KeyError(
            f"no dataset recipe {name!r}; known: {sorted(recipes)}. A recipe of your own "
            f"(a .py file with NAME = {name!r} and build_database()) is found in a folder "
            f"listed in {DATASETS_PATH_ENV}."
        )
    return load_file(recipes[name])
