"""The predictive-query grammar (lark, LALR) and the parse into `rdl.tasks.query.spec`.

::

    PREDICT <AGG>(<source> [VIA t1 [VIA t2 ...]] [WHERE <condition>], <start>, <end> <unit>)
            [<comparison> <literal>]
    FOR EACH <entity table>[.<primary key>]
    [WITH <option> = <literal> [, ...]]

``AGG`` is one of ``COUNT``, ``COUNT_DISTINCT``, ``SUM``, ``AVG``, ``MIN``, ``MAX``,
``LIST_DISTINCT``; ``source`` is ``table``, ``table.*`` or ``table.column``; a condition
combines ``operand <op> operand``, ``col IS [NOT] NULL``, ``col [NOT] IN (…)`` with
``AND`` / ``OR`` / ``NOT`` and parentheses. Keywords are case-insensitive; names that
clash with a keyword or hold odd characters go in double quotes (``"order"``).
The units are ``seconds``, ``minutes``, ``hours``, ``days``, ``weeks`` (singular too; a
comma before the unit is allowed, as in Kumo's PQL).
"""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from rdl.tasks.query.errors import QueryError
from rdl.tasks.query.spec import (
    AGGREGATIONS,
    And,
    Compare,
    InList,
    IsNull,
    Literal,
    Name,
    Not,
    Option,
    Or,
    Query,
    Ref,
)

GRAMMAR = r"""
start: PREDICT target FOR EACH entity options?

target: aggregation (COMP literal)?
aggregation: AGG "(" source via* (where via*)? "," number "," number ","? UNIT ")"

source: name "." name       -> column_source
      | name "." "*"        -> star_source
      | name                -> table_source
via: VIA name
where: WHERE condition

?condition: or_cond
?or_cond: and_cond (OR and_cond)*
?and_cond: not_cond (AND not_cond)*
?not_cond: NOT not_cond     -> not_
         | predicate
?predicate: operand COMP operand            -> compare
          | operand IS NULL                 -> is_null
          | operand IS NOT NULL             -> is_not_null
          | operand IN "(" literal ("," literal)* ")"      -> in_list
          | operand NOT IN "(" literal ("," literal)* ")"  -> not_in_list
          | "(" condition ")"
?operand: ref | literal
ref: name ("." name)?

entity: name ("." name)?
options: WITH option ("," option)*
option: name COMP literal

literal: number | STRING | TRUE | FALSE | NULL
number: SIGNED_NUMBER

name: CNAME | QUOTED

PREDICT.2: "PREDICT"i
FOR.2: "FOR"i
EACH.2: "EACH"i
VIA.2: "VIA"i
WHERE.2: "WHERE"i
WITH.2: "WITH"i
AND.2: "AND"i
OR.2: "OR"i
NOT.2: "NOT"i
IS.2: "IS"i
IN.2: "IN"i
NULL.2: "NULL"i
TRUE.2: "TRUE"i
FALSE.2: "FALSE"i
AGG.2: /(COUNT_DISTINCT|LIST_DISTINCT|COUNT|SUM|AVG|MIN|MAX)(?![A-Za-z0-9_])/i
UNIT.2: /(seconds?|minutes?|hours?|days?|weeks?)(?![A-Za-z0-9_])/i
COMP: "<=" | ">=" | "!=" | "<>" | "=" | "<" | ">"
QUOTED: /"(?:[^"]|"")+"/
STRING: /'(?:[^']|'')*'/

%import common.CNAME
%import common.SIGNED_NUMBER
%import common.WS
%ignore WS
"""

#: how the parser's terminals read in an error message
TERMINALS = {
    "PREDICT": "PREDICT",
    "FOR": "FOR",
    "EACH": "EACH",
    "VIA": "VIA",
    "WHERE": "WHERE",
    "WITH": "WITH",
    "AND": "AND",
    "OR": "OR",
    "NOT": "NOT",
    "IS": "IS",
    "IN": "IN",
    "NULL": "NULL",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
    "AGG": f"an aggregation ({', '.join(AGGREGATIONS)})",
    "UNIT": "a unit (days, hours, minutes, seconds, weeks)",
    "COMP": "a comparison (=, !=, <, <=, >, >=)",
    "CNAME": "a name",
    "QUOTED": 'a "quoted name"',
    "STRING": "a 'string'",
    "SIGNED_NUMBER": "a number",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "DOT": "'.'",
    "STAR": "'*'",
    "$END": "the end of the query",
}


@cache
def parser() -> Lark:
    """The LALR parser of `GRAMMAR` (built once)."""
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _name(tok: Token) -> Name:
    text = str(tok)
    if tok.type == "QUOTED":
        text = text[1:-1].replace('""', '"')
    assert tok.column is not None  # the parser propagates positions
    return Name(text, tok.column, len(str(tok)))


@v_args(inline=True)
class _ToQuery(Transformer):
    """Lark tree -> `Query`."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def name(self, tok):
        return _name(tok)

    def number(self, tok):
        text = str(tok)
        value = float(text) if any(c in text for c in ".eE") else int(text)
        return Literal(value, tok.column, len(text))

    def literal(self, item):
        if isinstance(item, Literal):
            return item
        kind = item.type
        value = {"TRUE": True, "FALSE": False, "NULL": None}.get(kind)
        if kind == "STRING":
            value = str(item)[1:-1].replace("''", "'")
        return Literal(value, item.column, len(str(item)))

    def ref(self, first, second=None):
        return Ref(first, second) if second is not None else Ref(None, first)

    def column_source(self, table, column):
        return ("column", table, column)

    def star_source(self, table):
        return ("star", table, None)

    def table_source(self, table):
        return ("table", table, None)

    def via(self, _kw, name):
        return ("via", name)

    def where(self, _kw, cond):
        return ("where", cond)

    def aggregation(self, agg, source, *rest):
        vias = [r[1] for r in rest if isinstance(r, tuple) and r[0] == "via"]
        where = next((r[1] for r in rest if isinstance(r, tuple) and r[0] == "where"), None)
        start, end, unit = [r for r in rest if not isinstance(r, tuple)][-3:]
        return dict(
            agg=Name(str(agg).upper(), agg.column, len(str(agg))),
            source_kind=source[0],
            table=source[1],
            column=source[2],
            via=vias,
            where=where,
            start=start,
            end=end,
            unit=Name(str(unit).lower(), unit.column, len(str(unit))),
        )

    def target(self, agg, op=None, value=None):
        return dict(
            agg,
            comparison=None if op is None else Name(str(op), op.column, len(str(op))),
            threshold=value,
        )

    def entity(self, table, pkey=None):
        return (table, pkey)

    def option(self, key, op, value):
        if str(op) != "=":
            raise QueryError(
                self.text,
                op.column,
                len(str(op)),
                f"an option is set with '=' (WITH {key.text} = ...), not {str(op)!r}",
            )
        return Option(key, value)

    def options(self, _kw, *opts):
        return list(opts)

    def start(self, _predict, target, _for, _each, entity, options=None):
        return Query(entity=entity[0], entity_pkey=entity[1], options=options or [], **target)

    # conditions
    def compare(self, left, op, right):
        return Compare(left, Name(str(op), op.column, len(str(op))), right)

    def is_null(self, operand, _is, _null):
        return IsNull(operand, negated=False)

    def is_not_null(self, operand, _is, _not, _null):
        return IsNull(operand, negated=True)

    def in_list(self, operand, _in, *values):
        return InList(operand, list(values), negated=False)

    def not_in_list(self, operand, _not, _in, *values):
        return InList(operand, list(values), negated=True)

    def not_(self, _kw, cond):
        return Not(cond)

    def or_cond(self, *items):
        return Or([i for i in items if not isinstance(i, Token)])

    def and_cond(self, *items):
        return And([i for i in items if not isinstance(i, Token)])


def _expected(names) -> str:
    shown = sorted({TERMINALS.get(n, n) for n in names if not n.startswith("__")})
    return ", ".join(shown)


def parse(text: str) -> Query:
    """Parse a predictive query.

    Raises:
        QueryError: a syntax error; the message points at the column and lists what may
            come there.
    """
    try:
        tree = parser().parse(text)
    except UnexpectedEOF as e:
        raise QueryError(
            text, len(text) + 1, 1, f"the query ends too early; expected {_expected(e.expected)}"
        ) from None
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            raise QueryError(
                text,
                len(text) + 1,
                1,
                f"the query ends too early; expected {_expected(e.expected)}",
            ) from None
        raise QueryError(
            text,
            tok.column,
            len(str(tok)),
            f"unexpected {str(tok)!r}; expected {_expected(e.expected)}",
        ) from None
    except UnexpectedCharacters as e:
        assert e.pos_in_stream is not None  # the lexer sets it
        raise QueryError(
            text,
            e.column,
            1,
            f"unexpected character {text[e.pos_in_stream]!r}; expected {_expected(e.allowed)}",
        ) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise QueryError(text, getattr(e, "column", 1), 1, str(e)) from None
    try:
        return _ToQuery(text).transform(tree)
    except VisitError as e:  # a check inside the transformer
        if isinstance(e.orig_exc, QueryError):
            raise e.orig_exc from None
        raise


__all__ = ["GRAMMAR", "TERMINALS", "parse", "parser"]
