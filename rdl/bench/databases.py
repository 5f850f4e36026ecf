"""The database of a suite entry as a URL: a URL / path as given, or a built-in recipe built
once into the cache folder (``CACHE/bench-databases/NAME[-sfSCALE]-HASH.duckdb``, see
`recipe_file`) and reused."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import cast

from rdl.bench.suite import DatabaseSpec


def default_cache_dir() -> Path:
    """``$RDL_CACHE_DIR`` or ``~/.cache/rdl`` (the graph cache's folder)."""
    return Path(os.environ.get("RDL_CACHE_DIR") or Path.home() / ".cache" / "rdl")


def recipe_file(spec: DatabaseSpec, cache_dir: str | Path | None = None) -> Path:
    """Where the recipe of ``spec`` is built: ``NAME[-sfSCALE]-HASH.duckdb``, ``HASH`` the
    first 10 hex digits of the recipe file's SHA-256 (an edited recipe builds anew)."""
    import hashlib

    from rdl.project import dataset_recipes

    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    scale = "" if spec.scale is None else f"-sf{spec.scale:g}"
    source = dataset_recipes().get(cast(str, spec.recipe))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:10] if source else "unknown"
    return root / "bench-databases" / f"{spec.recipe}{scale}-{digest}.duckdb"


def build_recipe(spec: DatabaseSpec, target: Path, log: Callable[[str], None]) -> None:
    """Build the recipe of ``spec`` into the DuckDB file ``target`` (written beside it under
    a temporary name and renamed, so an interrupted build leaves nothing to reuse).

    Raises:
        KeyError: no recipe of that name (the message lists the known ones).
        ValueError: ``scale`` given for a recipe without a scale factor.
    """
    from rdl.db.write import to_url
    from rdl.project import load_recipe

    recipe = load_recipe(cast(str, spec.recipe))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".building.duckdb")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    log(f"building {spec.recipe} into {target}")
    if hasattr(recipe, "build_duckdb"):
        recipe.build_duckdb(
            tmp, recipe.DEFAULT_SCALE if spec.scale is None else spec.scale, replace=True, log=log
        )
    else:
        if spec.scale is not None:
            raise ValueError(
                f"database {spec.name!r}: recipe {spec.recipe!r} has no scale "
                "factor; drop scale from the suite"
            )
        to_url(recipe.build_database(), f"duckdb:///{tmp}", constraints=True, replace=True)
    tmp.rename(target)


def database_url(
    spec: DatabaseSpec,
    cache_dir: str | Path | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> str:
    """The URL the runs of ``spec`` open (a recipe is built on first use).

    Raises:
        see `build_recipe`; a path that does not exist.
    """
    from rdl.db.write import normalize_url

    if spec.recipe is None:
        assert spec.url is not None  # the suite gives one of recipe and url
        url = normalize_url(spec.url)
        if "://" not in spec.url and not Path(spec.url).exists():
            raise FileNotFoundError(f"database {spec.name!r}: {spec.url!r} does not exist")
        return url
    target = recipe_file(spec, cache_dir)
    if not target.exists():
        build_recipe(spec, target, log)
    return f"duckdb:///{target}"


__all__ = ["build_recipe", "database_url", "default_cache_dir", "recipe_file"]
