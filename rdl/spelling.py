"""How a message names an argument, for the one reading it: a marker (`arg`, `spelled`)
inside the text that `render` reads in Python terms (``foreign_keys={'orders': {...}}``)
or, given the CLI's table of flags, as flags (``--fkey orders.customer=customers``).

A leaf module (imports nothing of rdl), so every room and the other leaves (`rdl.cachefile`)
may mark their messages; `rdl.db.errors` re-exports it beside `RdlError`, whose messages
read this way. A marker costs nothing when nobody renders it: a few private-use characters
around plain text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

_OPEN, _SEP, _CLOSE = "\ue000", "\ue001", "\ue002"
_MARK = re.compile(f"{_OPEN}(arg|say){_SEP}([^{_CLOSE}]*){_CLOSE}")


def _clean(text: object) -> str:
    return str(text).replace(_OPEN, "").replace(_SEP, "").replace(_CLOSE, "")


def arg(name: str, value: object = None, *, option: str | None = None, cli: object = None) -> str:
    """A marker naming the Python argument ``name`` (with the value to give, as Python
    text: ``arg("stale_prob", 0.5)`` reads ``stale_prob=0.5``; ``value=None``: the name alone).

    Args:
        name: the Python argument (a keyword of `rdl.connect`, a `TrainConfig` field ...).
        value: the value to pass, already as Python source text or a number; ``None`` names
            the argument alone.
        option: the key the CLI looks up for its flag, when it differs from ``name``
            (``"no_fkey"`` for ``foreign_keys={...: None}`` -> ``--no-fkey``).
        cli: what follows the flag on the command line (default: ``value``; ``""``: a
            bare switch such as ``--replace``).

    Returns:
        the marker, to put inside a message of an `RdlError` or `RdlWarning`.
    """
    py = "" if value is None else _clean(value)
    flag_value = py if cli is None else _clean(cli)
    return (
        f"{_OPEN}arg{_SEP}{_clean(name)}{_SEP}{py}{_SEP}{_clean(option or name)}{_SEP}"
        f"{flag_value}{_CLOSE}"
    )


def spelled(python: str, cli: str) -> str:
    """A marker with two spellings of the same advice: ``python`` for a Python caller
    (``rdl.train_task(db, task, out=DIR)``), ``cli`` for the command line (``rdl train
    --out DIR``)."""
    return f"{_OPEN}say{_SEP}{_clean(python)}{_SEP}{_clean(cli)}{_CLOSE}"


def render(text: str, flags: Mapping[str, str] | None = None) -> str:
    """``text`` with its markers read: in Python terms (``flags=None``), or as command-line
    flags (``flags``: argument or option name -> flag, e.g. ``{"stale_prob":
    "--stale-prob"}``). An argument without a flag in ``flags`` keeps its Python spelling."""

    def one(m: re.Match) -> str:
        parts = m.group(2).split(_SEP)
        if m.group(1) == "say":
            python, cli = (parts + [""])[:2]
            return python if flags is None else cli
        name, value, option, cli = (parts + ["", "", ""])[:4]
        flag = None if flags is None else flags.get(option) or flags.get(name)
        if flag:  # a value the shell would split or expand is quoted (shlex)
            return f"{flag} {shlex.quote(cli)}" if cli else flag
        return f"{name}={value}" if value else name

    return _MARK.sub(one, str(text))


def flags_named(text: str, flags: Mapping[str, str]) -> set[str]:
    """The flags ``render(text, flags)`` writes (so a caller can tell whether a message
    already names an option's flag)."""
    found = set()
    for m in _MARK.finditer(str(text)):
        parts = m.group(2).split(_SEP)
        if m.group(1) == "arg" and len(parts) >= 3:
            flag = flags.get(parts[2]) or flags.get(parts[0])
            if flag:
                found.add(flag)
    return found


class Said(str):
    """A marked message kept as data (a validation problem, a leakage suspect's fix): the
    string reads in Python terms (so JSON files and Python callers get plain text), and
    ``raw`` keeps the markers for the CLI to read as flags."""

    raw: str

    def __new__(cls, text: str) -> Said:
        raw = getattr(text, "raw", None) or str(text)
        self = super().__new__(cls, render(raw, None))
        self.raw = raw
        return self


def said(text: str) -> str:
    """``text`` (with markers) as data: a `Said` when it has markers, else ``text``."""
    raw = getattr(text, "raw", None) or text
    return Said(raw) if isinstance(raw, str) and _OPEN in raw else text


def raw_text(text: object) -> str:
    """The markers behind ``text`` (a `Said`, a `Spoken` error, or a plain string)."""
    if isinstance(text, Spoken):
        return text.raw()
    return getattr(text, "raw", None) or str(text)


class Spoken:
    """A message with `arg` / `spelled` markers: ``str()`` reads them in Python terms,
    `message` with a table of flags reads them as command-line flags."""

    def raw(self) -> str:
        """The message with its markers (what `render` reads)."""
        args: tuple = getattr(self, "args", ())
        if len(args) == 1 and isinstance(args[0], str):
            return args[0]
        return Exception.__str__(self)  # type: ignore[arg-type]

    def message(self, flags: Mapping[str, str] | None = None) -> str:
        """The message, in Python terms (``flags=None``) or with ``flags``' flags."""
        return render(self.raw(), flags)

    def __str__(self) -> str:
        return self.message(None)


__all__ = ["Said", "Spoken", "arg", "flags_named", "raw_text", "render", "said", "spelled"]
