"""Any column name can be addressed from the schema flags: a table or column name that
holds ``.``, ``=``, ``:``, ``,`` or spaces is written in double quotes, SQL-style
(control: plain names parse as before)."""

from __future__ import annotations

import pytest

from rdl.db import SchemaError
from rdl.db.schema_file import parse_flags


@pytest.mark.parametrize(
    "flags, expected",
    [
        ({"stype": ['posts."a=b"=categorical']}, {"stypes": {"posts.a=b": "categorical"}}),
        ({"stype": ['"my table"."col.x"=numerical']}, {"stypes": {"my table.col.x": "numerical"}}),
        ({"time_col": ['events."when: local"']}, {"time_cols": {"events": "when: local"}}),
        (
            {"time_col": ['events."d"":x":dayfirst']},
            {"time_cols": {"events": 'd":x'}, "time_formats": {'events.d":x': "dayfirst"}},
        ),
        ({"exclude_column": ['users."Up Votes"']}, {"exclude_columns": ["users.Up Votes"]}),
        ({"pkey": ['t="a,b",c']}, {"primary_keys": {"t": ["a,b", "c"]}}),
        ({"no_fkey": ['orders."buyer.id"']}, {"foreign_keys": {"orders": {"buyer.id": None}}}),
    ],
)
def test_quoted_names_address_any_column(flags, expected):
    out = parse_flags(**flags)
    for key, value in expected.items():
        assert out[key] == value


def test_control_plain_names_parse_as_before():
    out = parse_flags(
        stype=["users.zip=categorical"],
        time_col=["season.year:year-end"],
        pkey=["t=a,b"],
        fkey=["orders.buyerId=users"],
    )
    assert out["stypes"] == {"users.zip": "categorical"}
    assert out["time_cols"] == {"season": "year"}
    assert out["time_formats"] == {"season.year": "year-end"}
    assert out["primary_keys"] == {"t": ["a", "b"]}
    assert out["foreign_keys"] == {"orders": {"buyerId": "users"}}
    with pytest.raises(SchemaError, match="double-quote a name"):
        parse_flags(stype=["nodot=categorical"])
