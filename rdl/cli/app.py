"""The typer application and its consoles, shared by every command module."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="rdl: relational deep learning on SQL databases.")
datasets_app = typer.Typer(no_args_is_help=True, help="Build real databases from recipes.")
app.add_typer(datasets_app, name="datasets")
console = Console()
err_console = Console(stderr=True)
