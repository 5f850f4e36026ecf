"""Where the project's recipes and task files live, and loading Python files by path.

`datasets/` (database recipes) and `tasks/` (task definitions) sit beside the `rdl`
package in a source checkout; the CLI addresses them by name (``rel-f1``,
``rel-f1/driver-dnf``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DATASETS_DIR = ROOT / "datasets"
TASKS_DIR = ROOT / "tasks"


def load_file(path: str | Path) -> ModuleType:
    """Import a Python file by path (cached per resolved path).

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    p = Path(path).resolve()
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    name = "rdl_user_" + "_".join(p.with_suffix("").parts[-3:]).replace("-", "_").replace(".", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, p)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def dataset_recipes() -> dict[str, Path]:
    """Recipe name (the module's ``NAME``) -> file, for every ``datasets/*.py``."""
    out = {}
    for p in sorted(DATASETS_DIR.glob("*.py")):
        text = p.read_text()
        for line in text.splitlines():
            if line.startswith("NAME = "):
                out[line.split("=", 1)[1].strip().strip("\"'")] = p
                break
    return out


def load_recipe(name: str) -> ModuleType:
    """The recipe module for dataset ``name``.

    Raises:
        KeyError: no recipe of that name; the message lists the known ones.
    """
    recipes = dataset_recipes()
    if name not in recipes:
        raise KeyError(f"no dataset recipe {name!r}; known: {sorted(recipes)}")
    return load_file(recipes[name])
