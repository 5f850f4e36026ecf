"""The typer application and its consoles, shared by every command module.

Every command runs inside `RdlGroup.invoke`, which turns an exception into one paragraph
on stderr and a non-zero exit code (`rdl.cli.errors`); ``--debug`` — before the command
(``rdl --debug train ...``) or anywhere after it (``rdl train ... --debug``) — lets the
traceback through instead. A command module added later gets this without doing anything.
"""

from __future__ import annotations

import warnings

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from rdl.cli.errors import DEBUG_FLAG, EXIT_ERROR, EXIT_INTERRUPTED, cli_text, error_message

console = Console()
err_console = Console(stderr=True)


def print_error(text: str) -> None:
    err_console.print(f"error: {text}", markup=False, highlight=False, soft_wrap=True)


def _click_exits() -> tuple[type[BaseException], ...]:
    """Exceptions that carry their own exit code and message (usage errors: exit 2):
    click's, and those of the click that typer >= 0.20 vendors as ``typer._click``."""
    kinds: list[type[BaseException]] = [
        typer.Exit,
        click.exceptions.Exit,
        click.ClickException,
        click.exceptions.Abort,
    ]
    try:
        from typer._click import exceptions as vendored
    except ImportError:
        return tuple(kinds)
    return tuple(
        kinds
        + [
            getattr(vendored, n)
            for n in ("Exit", "ClickException", "Abort", "TyperException")
            if isinstance(getattr(vendored, n, None), type)
        ]
    )


CLICK_EXITS = _click_exits()


class RdlGroup(TyperGroup):
    """A typer group that accepts ``--debug`` anywhere and renders errors (see above)."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:  # ctx: typer's own click Context
        if DEBUG_FLAG in args:
            ctx.meta["rdl_debug"] = True
            args = [a for a in args if a != DEBUG_FLAG]
        return super().parse_args(ctx, args)

    def invoke(self, ctx):  # ctx: typer's own click Context
        from rdl.runtime import interrupt

        interrupt.install()
        try:
            out = super().invoke(ctx)
        except CLICK_EXITS:
            raise  # a command's own exit code, a usage error's text and exit code 2
        except KeyboardInterrupt:
            if ctx.meta.get("rdl_debug"):
                raise
            _interrupted()
        except Exception as e:
            if ctx.meta.get("rdl_debug"):
                raise
            if interrupt.interrupted():  # a library turned the Ctrl-C into another error
                _interrupted()
            print_error(error_message(e))
            raise typer.Exit(EXIT_ERROR) from None
        if interrupt.interrupted():  # a Ctrl-C a library swallowed: still interrupted
            _interrupted()
        return out


def _interrupted():
    print_error("interrupted; nothing more was written.")
    raise typer.Exit(EXIT_INTERRUPTED) from None


app = typer.Typer(
    cls=RdlGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="rdl: relational deep learning on SQL databases.",
)
datasets_app = typer.Typer(no_args_is_help=True, help="Build real databases from recipes.")
app.add_typer(datasets_app, name="datasets")


def _render_notes() -> None:
    """Show rdl's own warnings (`rdl.tasks.DefaultSplitWarning`, `rdl.cachefile.CacheWarning`)
    as one ``note:`` paragraph on stderr; other warnings keep Python's format. The arguments
    a warning names (`rdl.db.errors.RdlWarning`) read as flags."""
    from rdl.cachefile import CacheWarning
    from rdl.db.errors import NoteWarning, Spoken
    from rdl.tasks import DefaultSplitWarning

    default = warnings.showwarning
    if getattr(default, "rdl_notes", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(message, Spoken):
            message = cli_text(message)
        if issubclass(category, (DefaultSplitWarning, CacheWarning, NoteWarning)):
            err_console.print(f"note: {message}", markup=False, highlight=False, soft_wrap=True)
        else:
            default(message, category, filename, lineno, file, line)

    show.__dict__["rdl_notes"] = True  # the marker looked for above
    warnings.showwarning = show


@app.callback()
def _main(
    debug: bool = typer.Option(
        False, DEBUG_FLAG, help="show the traceback of an error (also accepted after the command)"
    ),
) -> None:
    _render_notes()
