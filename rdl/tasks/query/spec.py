"""The parsed form of a predictive query: plain dataclasses that keep each name's column
in the query text (for error messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGGREGATIONS = ("COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "LIST_DISTINCT")


@dataclass(frozen=True)
class Name:
    """A name (or keyword) as written, with its 1-based column and length in the query."""

    text: str
    column: int
    length: int


@dataclass(frozen=True)
class Literal:
    """A number, string, boolean or NULL (``value`` ``None``) of the query."""

    value: Any
    column: int
    length: int


@dataclass(frozen=True)
class Ref:
    """A column reference ``[table.]column`` in a WHERE condition."""

    table: Name | None
    column: Name


@dataclass(frozen=True)
class Compare:
    left: Ref | Literal
    op: Name
    right: Ref | Literal


@dataclass(frozen=True)
class IsNull:
    operand: Ref | Literal
    negated: bool


@dataclass(frozen=True)
class InList:
    operand: Ref | Literal
    values: list
    negated: bool


@dataclass(frozen=True)
class Not:
    cond: Any


@dataclass(frozen=True)
class And:
    items: list


@dataclass(frozen=True)
class Or:
    items: list


@dataclass(frozen=True)
class Option:
    """``WITH key = value``."""

    key: Name
    value: Literal


@dataclass
class Query:
    """``PREDICT agg(table[.column] VIA ... WHERE ..., start, end unit) [op threshold]
    FOR EACH entity[.pkey] [WITH options]``.

    Attributes:
        agg: the aggregation (upper case, one of `AGGREGATIONS`).
        source_kind: ``"table"`` (``COUNT(t)``), ``"star"`` (``COUNT(t.*)``) or
            ``"column"`` (``AVG(t.col)``).
        table, column: the aggregated table and column (``None`` unless ``"column"``).
        via: the tables between the entity and ``table``, from the entity outward.
        where: the filter condition or ``None``.
        start, end, unit: the window ``(t + start, t + end]`` in ``unit``.
        comparison, threshold: ``> 0`` turns the aggregate into a 0/1 label.
        entity, entity_pkey: ``FOR EACH entity[.pkey]``.
        options: ``WITH`` settings (split dates, ``num_eval_timestamps``, ``eval_k``).
    """

    agg: Name
    source_kind: str
    table: Name
    column: Name | None
    via: list[Name]
    where: Any
    start: Literal
    end: Literal
    unit: Name
    comparison: Name | None
    threshold: Literal | None
    entity: Name
    entity_pkey: Name | None = None
    options: list[Option] = field(default_factory=list)
