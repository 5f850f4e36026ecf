"""Safe on-disk cache entries: atomic writes, checked reads, self-healing.

rdl keeps three on-disk caches — task tables (`rdl.tasks.cache`, parquet), graphs
(`rdl.graph.build`, ``torch.save``) and text embeddings (`rdl.graph.text`). All three go
through `write_entry` / `read_entry`:

* **One file per entry**: the payload (whatever the caller's ``dump`` writes: parquet
  bytes, a ``torch.save`` archive, ...) followed by a footer — JSON ``{"format", "kind",
  "version", "size", "sha256"}``, its length (4 bytes, little-endian) and the magic
  ``RDLCACHE``. Entry file names end in `SUFFIX` (``.rdlc``).
* **Writes** go to a per-process temporary file beside the entry
  (``.<name>.<pid>.<random>.tmp``) that is renamed over the entry (``os.replace``, atomic
  on POSIX) once complete, so a reader — or a second process writing the same entry —
  never sees a half-written file: the last complete write wins.
* **Reads** check the footer, the payload size, the SHA-256 of the payload, the entry's
  ``kind`` and ``version``, and that the caller's ``load`` accepts the payload. A bad
  entry (truncated, corrupt, another format or version, from an older rdl) is deleted and
  reported with a `CacheWarning` naming the file; the caller then rebuilds it.
* **An unwritable cache directory** (read-only, full disk, a path through a regular
  file) does not fail the run: the result is returned uncached and one `CacheWarning` per
  directory names it and says how to move the cache (``RDL_CACHE_DIR`` or
  ``--cache-dir``). Existing entries in a read-only directory are still read. Chosen over
  raising because a cache only saves time: raising after an expensive build would lose
  the work (the standards' "loses nothing").

A leaf module: it imports nothing of rdl, so every room may use it.

Why not a library: ``joblib.Memory`` memoises a function by pickling and hashing its
arguments (a whole `Database` here, where rdl already has content fingerprints) and stores
pickles without a checksum; ``diskcache`` stores pickles in SQLite plus files, also
unchecked on read. Neither stores a parquet or ``torch.save`` payload as is, and neither
verifies what it reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from rdl.spelling import Spoken, arg

T = TypeVar("T")

#: version of the entry layout (footer fields); entries of another layout are rebuilt.
FORMAT = 1
MAGIC = b"RDLCACHE"
#: file-name suffix of cache entries (callers append it to their entry names).
SUFFIX = ".rdlc"
_TAIL = struct.Struct("<I8s")  # footer length, magic
_CHUNK = 1 << 22
MOVE_HINT = (
    "set the environment variable RDL_CACHE_DIR (or " + arg("cache_dir") + ") to a "
    "writable directory"
)

_warned_dirs: set[str] = set()


class CacheWarning(Spoken, UserWarning):
    """A cache entry was bad (and is rebuilt) or could not be written (the run goes on
    without caching it). The message names the file or directory."""


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=2)


def _sha256(f: BinaryIO, size: int) -> str:
    h = hashlib.sha256()
    left = size
    while left:
        chunk = f.read(min(_CHUNK, left))
        if not chunk:
            break
        h.update(chunk)
        left -= len(chunk)
    return h.hexdigest()


def _check(f: BinaryIO, kind: str, version: int | str) -> tuple[int, str | None]:
    """``(payload size, None)`` for a good entry, ``(0, reason)`` for a bad one."""
    size = os.fstat(f.fileno()).st_size
    if size < _TAIL.size:
        return 0, f"truncated ({size} bytes, no footer)"
    f.seek(size - _TAIL.size)
    footer_len, magic = _TAIL.unpack(f.read(_TAIL.size))
    if magic != MAGIC:
        return 0, "no rdl cache footer (truncated, or written by an older rdl)"
    payload_size = size - _TAIL.size - footer_len
    if payload_size < 0:
        return 0, "corrupt footer"
    f.seek(payload_size)
    try:
        meta = json.loads(f.read(footer_len))
    except ValueError:
        return 0, "corrupt footer"
    if not isinstance(meta, dict):
        return 0, "corrupt footer"
    if meta.get("format") != FORMAT:
        return 0, f"entry layout {meta.get('format')!r}, expected {FORMAT}"
    if meta.get("kind") != kind or meta.get("version") != version:
        return 0, (
            f"holds {meta.get('kind')!r} version {meta.get('version')!r}, expected "
            f"{kind!r} version {version!r}"
        )
    if meta.get("size") != payload_size:
        return 0, f"payload is {payload_size} bytes, the footer says {meta.get('size')}"
    f.seek(0)
    if _sha256(f, payload_size) != meta.get("sha256"):
        return 0, "checksum mismatch (corrupt payload)"
    return payload_size, None


def _discard(path: Path, reason: str) -> None:
    try:
        path.unlink()
    except OSError:
        pass
    _warn(f"cache entry {path} is bad: {reason}; discarded, rebuilding it.")


def read_entry(
    path: str | os.PathLike, kind: str, version: int | str, load: Callable[[bytes], T]
) -> T | None:
    """The value stored at ``path``, or ``None`` when there is no usable entry.

    Args:
        path: the entry file.
        kind: what the payload is (e.g. ``"rdl.graph"``); must equal the writer's.
        version: the payload format version; must equal the writer's.
        load: ``bytes`` (the payload, checked) -> the value, e.g.
            ``lambda b: torch.load(io.BytesIO(b))``. An exception from it marks the entry
            bad.

    Returns:
        ``load(payload)``; ``None`` when the file does not exist or was bad.

    Warns:
        CacheWarning: the entry was bad (truncated, checksum mismatch, another kind or
            version, unreadable, ``load`` failed); the file is deleted and the message
            names it and the reason.
    """
    path = Path(path)
    try:
        f = open(path, "rb")  # noqa: SIM115 (its `with` follows the except)
    except (FileNotFoundError, NotADirectoryError):  # no entry (the writer warns if it
        return None  # cannot make the directory)
    except OSError as e:
        _warn(f"cache entry {path} cannot be read ({e.strerror or e}); rebuilding it.")
        return None
    with f:
        try:
            size, reason = _check(f, kind, version)
            if reason is None:
                f.seek(0)
                data = f.read(size)
        except OSError as e:
            size, reason = 0, f"read error ({e.strerror or e})"
    if reason is not None:
        _discard(path, reason)
        return None
    try:
        return load(data)
    except Exception as e:  # any failure to decode a checked payload: rebuild
        _discard(path, f"cannot be loaded ({type(e).__name__}: {e})")
        return None


def write_entry(
    path: str | os.PathLike, kind: str, version: int | str, dump: Callable[[BinaryIO], None]
) -> bool:
    """Store an entry at ``path`` atomically: ``dump(file)`` writes the payload into a
    per-process temporary file beside ``path``, the footer is appended, and the file is
    renamed over ``path``. Concurrent writers of the same entry each rename a complete
    file; the last one wins.

    Args:
        path: the entry file (parent directories are created).
        kind, version: recorded in the footer and checked by `read_entry`.
        dump: writes the payload to a binary file object (e.g.
            ``lambda f: torch.save(obj, f)``).

    Returns:
        ``True`` when stored; ``False`` when the directory is not writable (see below).

    Warns:
        CacheWarning: the directory cannot be created or written (permission, read-only
            file system, full disk, ...): once per directory and process, naming it and
            ``RDL_CACHE_DIR`` / ``--cache-dir``. Nothing is stored; the caller goes on
            with the value it has.

    Raises:
        whatever ``dump`` raises other than `OSError` (the temporary file is removed).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "x+b") as f:
            dump(f)
            f.flush()
            size = f.seek(0, os.SEEK_END)  # dump may have moved the position
            f.seek(0)
            footer = json.dumps(
                {
                    "format": FORMAT,
                    "kind": kind,
                    "version": version,
                    "size": size,
                    "sha256": _sha256(f, size),
                }
            ).encode()
            f.seek(size)
            f.truncate()
            f.write(footer + _TAIL.pack(len(footer), MAGIC))
        os.replace(tmp, path)
        return True
    except OSError as e:
        _remove(tmp)
        where = str(path.parent)
        if where not in _warned_dirs:
            _warned_dirs.add(where)
            _warn(
                f"cannot write the cache directory {where} ({e.strerror or e}); going on "
                f"without caching there, so later runs redo this work. To keep a cache, "
                f"{MOVE_HINT}."
            )
        return False
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
