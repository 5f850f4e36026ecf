"""Reports fed by results (never by training internals): the results table, the figures
of a run (`write_figures`, PNG files beside ``results.json``), the HTML report
(`render_html` / `write_report`, ``rdl report``) and the rendering of explanations."""

from rdl.report.figures import FIGURES, make_figures, write_figures
from rdl.report.html import render_html, write_report
from rdl.report.table import LABELS, print_results, results_table

__all__ = [
    "FIGURES",
    "LABELS",
    "make_figures",
    "print_results",
    "render_html",
    "results_table",
    "write_figures",
    "write_report",
]
