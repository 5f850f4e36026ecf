"""rdl's errors as the CLI shows them: one paragraph on stderr, no traceback, a non-zero
exit code (``--debug`` shows the traceback instead).

* rdl's own errors (`rdl.db.RdlError`: schema, data, source, task, option errors) and a
  missing file: their message, which names the culprit and the flag that fixes it;
* a file or directory the command cannot write (``--out``): what and why;
* anything else (a bug, or an input rdl does not check yet): its type and message and
  the advice to rerun with ``--debug`` and report it.

Exit codes: 1 an error, 130 interrupted (Ctrl-C). Click's own usage errors keep click's
format and exit code 2.
"""

from __future__ import annotations

def _options() -> dict[str, str]:
    from rdl.config import OPTIONS as SETTINGS
    from rdl.config.pretrain import PRETRAIN_OPTIONS

    flags = {name: opt.cli_flag for name, opt in {**PRETRAIN_OPTIONS, **SETTINGS}.items()}
    flags["num_layers"] = SETTINGS["num_neighbors"].cli_flag  # set by the fanouts
    return {**flags, "model": "--model", "nproc": "--nproc", "preset": "--preset",
            "config": "--config"}


#: `rdl.config.ConfigError.field` -> the option that sets it (messages name it): every
#: declared setting's flag (`rdl.config.sections`), plus the commands' own options
OPTION: dict[str, str] = _options()
EXIT_ERROR = 1


def _rdl_error():
    from rdl.db.errors import RdlError

    return RdlError


class CliError(_rdl_error()):
    """A command's own refusal (an unknown recipe name, ...): shown as its message."""
EXIT_INTERRUPTED = 130
DEBUG_FLAG = "--debug"


def one_paragraph(text: str) -> str:
    """``text`` without blank lines (a row table in a message stays, compact)."""
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines() if line.strip())


def error_message(exc: BaseException) -> str:
    """The paragraph the CLI prints for ``exc`` (without the ``error:`` prefix)."""
    from rdl.db.errors import RdlError

    if isinstance(exc, (RdlError, FileNotFoundError)):
        text = str(exc)
        field = getattr(exc, "field", None)
        if field in OPTION and not text.startswith("option "):
            text = f"option {OPTION[field]}: {text}"
        if isinstance(exc, KeyError) and text.startswith(("'", '"')):
            text = text[1:-1]
        return one_paragraph(text)
    if isinstance(exc, (PermissionError, IsADirectoryError, NotADirectoryError)):
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        return one_paragraph(f"cannot write{where}: {exc.strerror or exc}. Choose another "
                             "path (--out) or fix its permissions.")
    return one_paragraph(
        f"unexpected {type(exc).__name__}: {exc}. This is a bug in rdl or an input it does "
        f"not check yet; rerun with {DEBUG_FLAG} to see the traceback, and report it.")


__all__ = ["CliError", "OPTION", "DEBUG_FLAG", "EXIT_ERROR", "EXIT_INTERRUPTED", "error_message", "one_paragraph"]
