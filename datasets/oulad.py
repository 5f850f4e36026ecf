"""Example recipe: oulad (the Open University Learning Analytics Dataset), re-exported from
the package.

The recipe ships with rdl as ``rdl/datasets/oulad.py`` and reads the CSVs shipped beside it
in ``rdl/datasets/oulad/`` (CC-BY 4.0, see its SOURCE.md); ``rdl datasets build oulad --out
oulad.duckdb`` runs it. Read its docstring for how the raw files' traps (day numbers
relative to each presentation, a withdrawal day and a final result on earlier rows) are
handled.
"""

from rdl.datasets.oulad import (
    NAME,
    SOURCE_DIR,
    build_database,
    presentation_start,
    read_raw,
)

__all__ = ["NAME", "SOURCE_DIR", "build_database", "presentation_start", "read_raw"]
