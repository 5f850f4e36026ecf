"""A throwaway PostgreSQL 15 server for tests and benchmarks.

`PostgresServer` runs ``initdb`` into a fresh temporary directory, starts ``postgres`` on a
free 127.0.0.1 port with ``fsync=off`` and trust authentication, and removes everything on
`stop`. Nothing outside the temporary directory is touched; no running service is needed
(CI starts with none).

The server binaries come from Debian's ``postgresql-15`` package, whose ``initdb`` and
``pg_ctl`` live in ``/usr/lib/postgresql/15/bin`` (not on PATH); ``RDL_PG_BIN`` overrides
the folder. PostgreSQL refuses to run as root, so as root the binaries run as the
``postgres`` user through ``runuser``.

Usage::

    with PostgresServer() as server:
        url = server.create_database("f1")   # postgresql+psycopg://postgres@127.0.0.1:PORT/f1
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

PG_BIN = Path(os.environ.get("RDL_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def pg_available(bin_dir: Path | None = None) -> bool:
    """Whether ``initdb``, ``pg_ctl`` and ``postgres`` exist in ``bin_dir`` (`PG_BIN`)."""
    bin_dir = PG_BIN if bin_dir is None else bin_dir
    return all((bin_dir / b).is_file() for b in ("initdb", "pg_ctl", "postgres"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One throwaway PostgreSQL server in a temporary directory.

    Attributes (after `start`):
        port: the TCP port on 127.0.0.1.
        url: ``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``.
        initdb_seconds, start_seconds: wall-clock time of ``initdb`` and ``pg_ctl start``.

    Raises:
        PostgresUnavailable: (from `start`) the binaries are missing.
        RuntimeError: (from `start`) ``initdb`` or ``pg_ctl`` failed; the message holds
            the server log.
    """

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.port: int | None = None
        self.initdb_seconds = self.start_seconds = float("nan")
        self._prefix: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self, attempts: int = 3) -> "PostgresServer":
        if not pg_available():
            raise PostgresUnavailable(
                f"PostgreSQL server binaries not found in {PG_BIN} (install Debian's "
                "postgresql-15, or set RDL_PG_BIN to the folder holding initdb and pg_ctl)"
            )
        self.dir = Path(tempfile.mkdtemp(prefix="rdl-pg-"))
        if os.geteuid() == 0:  # postgres refuses to run as root
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        t0 = time.perf_counter()
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "--auth=trust", "--no-sync",
                  "-U", "postgres", "-E", "UTF8", "--locale=C")
        self.initdb_seconds = time.perf_counter() - t0
        last = None
        for _ in range(attempts):  # a free port can be taken by another worker meanwhile
            self.port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            t0 = time.perf_counter()
            try:
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                          "-w", "-t", "30", "-o", opts, "start")
            except RuntimeError as e:
                last = e
                continue
            self.start_seconds = time.perf_counter() - t0
            return self
        self._cleanup()
        raise last

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory. Idempotent."""
        if self.dir is None:
            return
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "-w", "stop"], capture_output=True)
        self._cleanup()

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ databases
    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def log(self) -> Path:
        return self.dir / "server.log"

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (``name`` or a fresh unique one); returns its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    # ------------------------------------------------------------------ helpers
    def _run(self, *cmd: str) -> None:
        proc = subprocess.run([*self._prefix, *cmd], capture_output=True, text=True)
        if proc.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{log}"
            )

    def _cleanup(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
