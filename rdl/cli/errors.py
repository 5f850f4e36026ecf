"""rdl's errors as the CLI shows them: one paragraph on stderr, no traceback, a non-zero
exit code (``--debug`` shows the traceback instead).

* rdl's own errors (`rdl.db.RdlError`: schema, data, source, task, option errors) and a
  missing file: their message, which names the culprit and the fix. The library names the
  Python argument (`rdl.db.errors.arg`); here, and only here, it becomes the flag that sets
  it (`flags()`: `OPTION` for `TrainConfig` fields, the schema options, the other commands'
  arguments), named once;
* a file or directory the command cannot write (``--out``): what and why;
* anything else (a bug, or an input rdl does not check yet): its type and message and
  the advice to rerun with ``--debug`` and report it.

Exit codes: 1 an error, 130 interrupted (Ctrl-C). Click's own usage errors keep click's
format and exit code 2.
"""

from __future__ import annotations

import re

from rdl.db.errors import RdlError


def _options() -> dict[str, str]:
    from rdl.config import OPTIONS as SETTINGS
    from rdl.config.pretrain import PRETRAIN_OPTIONS

    flags = {name: opt.cli_flag for name, opt in {**PRETRAIN_OPTIONS, **SETTINGS}.items()}
    flags["num_layers"] = SETTINGS["num_neighbors"].cli_flag  # set by the fanouts
    return {
        **flags,
        "model": "--model",
        "nproc": "--nproc",
        "preset": "--preset",
        "config": "--config",
    }


#: `rdl.config.ConfigError.field` -> the option that sets it (messages name it): every
#: declared setting's flag (`rdl.config.sections`), plus the commands' own options
OPTION: dict[str, str] = _options()
#: arguments of rdl's functions (other than `TrainConfig` fields and `rdl.connect`'s) ->
#: the flag of the command that passes them
COMMAND_OPTION = {
    "out": "--out",
    "replace": "--replace",
    "table": "--table",
    "out_table": "--out-table",
    "allow_write_source": "--allow-write-source",
    "top_k": "--top-k",
    "entity": "--entity",
    "at": "--at",
    "method": "--method",
    "until": "--until",
    "cut": "--cut",
    "entity_table": "--entity-table",
    "every_days": "--every-days",
    "active_within_days": "--active-within-days",
    "scale": "--scale",
    "cache_dir": "--cache-dir",
    "model_dir": "--model",
    "task": "--task",
    "db": "--db",
    "baselines": "--no-baselines",
    "no_text": "--no-text",
    "seed_feature_max_pairs": "--seed-feature-max-pairs",
    "blend": "--no-blend",
    "constraints": "--no-constraints",
    "num_views": "--views",
    "only": "--only",
    "query": "--query",
    "out_dir": "--out",
    "models": "--models",
    "seeds": "--seeds",
    "suite": "--suite",
    "budget": "--budget",
}
EXIT_ERROR = 1


class CliError(RdlError):
    """A command's own refusal (an unknown recipe name, ...): shown as its message."""


EXIT_INTERRUPTED = 130
DEBUG_FLAG = "--debug"


def one_paragraph(text: str) -> str:
    """``text`` without blank lines (a row table in a message stays, compact)."""
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines() if line.strip())


def flags() -> dict[str, str]:
    """Argument or option name -> its flag: the other commands' arguments, the schema
    options (`rdl.cli.schema_options.schema_flags`), then `OPTION` (which wins)."""
    from rdl.cli.schema_options import schema_flags

    return {**COMMAND_OPTION, **schema_flags(), **OPTION}


def cli_text(text: object) -> str:
    """``text`` (a message, a `rdl.db.errors.Said` kept in data, or an error) with the
    arguments it names read as this CLI's flags."""
    from rdl.db.errors import raw_text, render

    return render(raw_text(text), flags())


def _names(text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def os_error_text(exc: OSError) -> str:
    """An operating-system error in words: the path, the errno's meaning and name, and
    what to do (a full disk, a read-only file system, too many open files ...)."""
    import errno
    import os

    code = exc.errno
    if code is None and "no space left" in str(exc).lower():  # pyarrow / duckdb wrap it
        code = errno.ENOSPC
    name = errno.errorcode.get(code, "") if code is not None else ""
    meaning = os.strerror(code) if code is not None else (exc.strerror or str(exc))
    where = exc.filename or next(
        (str(a) for a in exc.args if isinstance(a, str) and "/" in a), None
    )
    at = f" ({where!s})" if where else ""
    advice = {
        errno.ENOSPC: "free space on that disk or write elsewhere (--out)",
        errno.EROFS: "the file system is read-only: write elsewhere (--out)",
        errno.EMFILE: "too many open files: close other programs or raise the limit (ulimit -n)",
        errno.EDQUOT: "your disk quota is used up: free space or write elsewhere (--out)",
        errno.ENOENT: "the path does not exist: check it",
    }.get(code if code is not None else -1, "check the path and try again")
    return f"{meaning}{f' [{name}]' if name else ''}{at}: {advice}."


def error_message(exc: BaseException) -> str:
    """The paragraph the CLI prints for ``exc`` (without the ``error:`` prefix): for rdl's
    errors the message with its arguments as flags, and the flag of the option at fault
    (``exc.field``) named once — in front (``option --stale-prob: ...``) unless the
    message already names it."""
    from rdl.db.errors import RdlError, Spoken

    if isinstance(exc, (RdlError, FileNotFoundError)):
        text = cli_text(exc) if isinstance(exc, Spoken) else str(exc)
        if (
            isinstance(exc, KeyError)
            and not isinstance(exc, Spoken)
            and text.startswith(("'", '"'))
        ):
            text = text[1:-1]
        flag = flags().get(getattr(exc, "field", None) or "")
        if flag and not text.startswith("option ") and not _names(text, flag):
            text = f"option {flag}: {text}"
        return one_paragraph(text)
    if isinstance(exc, (PermissionError, IsADirectoryError, NotADirectoryError)):
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        return one_paragraph(
            f"cannot write{where}: {exc.strerror or exc}. Choose another "
            "path (--out) or fix its permissions."
        )
    if isinstance(exc, OSError):
        return one_paragraph(os_error_text(exc))
    return one_paragraph(
        f"unexpected {type(exc).__name__}: {exc}. This is a bug in rdl or an input it does "
        f"not check yet; rerun with {DEBUG_FLAG} to see the traceback, and report it."
    )


__all__ = [
    "COMMAND_OPTION",
    "DEBUG_FLAG",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "OPTION",
    "CliError",
    "cli_text",
    "error_message",
    "flags",
    "one_paragraph",
    "os_error_text",
]
