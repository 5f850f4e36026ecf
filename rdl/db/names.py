"""Column and table names as words: ``OwnerUserId`` -> ``['owner', 'user', 'id']``,
``post_types`` -> ``['post', 'types']``; singular forms for matching a key column to the
table it names (``users`` -> ``user``). Used by key inference and time-column ranking."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def tokens(name: str) -> list[str]:
    """Lower-case words of ``name`` (camelCase, snake_case, spaces, digits split)."""
    return [w.lower() for w in _WORD.findall(str(name))]


def singular(word: str) -> str:
    """``users`` -> ``user``, ``categories`` -> ``category``, ``boxes`` -> ``box``,
    ``addresses`` -> ``address``; other words unchanged."""
    w = word.lower()
    if len(w) > 3 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if len(w) > 2 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def table_words(table: str) -> list[str]:
    """The table's name as words with the last one singular (``post_types`` ->
    ``['post', 'type']``)."""
    t = tokens(table)
    return t[:-1] + [singular(t[-1])] if t else []


def starts_with_any(words: list[str], prefixes: tuple[str, ...]) -> bool:
    return any(w.startswith(p) for w in words for p in prefixes)


def shown_columns(df) -> list[str]:
    """The columns of ``df`` a message may list: every column but rdl's own (`internal`)."""
    return [str(c) for c in df.columns if not internal(c)]


def internal(col) -> bool:
    """rdl's own columns: surrogate / mapped keys (``_rdl_*``) and values as read
    (`rdl.db.columns.raw_name`); never keys to infer, never features."""
    c = str(col)
    return c.startswith("_rdl_") or c.startswith("\0raw:")
