"""Reports fed by results (never by training internals): the results table."""

from rdl.report.table import LABELS, print_results, results_table

__all__ = ["LABELS", "print_results", "results_table"]
