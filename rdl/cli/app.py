"""The typer application and its consoles, shared by every command module."""

from __future__ import annotations

import warnings

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="rdl: relational deep learning on SQL databases.")
datasets_app = typer.Typer(no_args_is_help=True, help="Build real databases from recipes.")
app.add_typer(datasets_app, name="datasets")
console = Console()
err_console = Console(stderr=True)


def _render_notes() -> None:
    """Show rdl's own warnings (`rdl.tasks.DefaultSplitWarning`, `rdl.cachefile.CacheWarning`)
    as one ``note:`` paragraph on stderr; other warnings keep Python's format."""
    from rdl.cachefile import CacheWarning
    from rdl.tasks import DefaultSplitWarning

    default = warnings.showwarning
    if getattr(default, "rdl_notes", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, (DefaultSplitWarning, CacheWarning)):
            err_console.print(f"note: {message}", markup=False, highlight=False, soft_wrap=True)
        else:
            default(message, category, filename, lineno, file, line)

    show.rdl_notes = True
    warnings.showwarning = show


@app.callback()
def _main() -> None:
    _render_notes()
