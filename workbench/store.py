"""The workbench's own DuckDB file (``<data_dir>/workbench.duckdb``): one connection, cursors per thread.

The workbench never touches the gateway's database: it keeps its features' state (conversations,
knowledge bases, ...) in a file of its own. DuckDB allows one process per file; threads take
their own cursor from ``Store.cursor()``. The tables and their migrations are in ``workbench.schema``,
whose ``open_store`` opens and migrates the file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

FILE_NAME = "workbench.duckdb"


class StoreInUse(RuntimeError):
    """Another process holds the workbench database file."""


class Store:
    """The workbench's DuckDB database file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreInUse(f"The database {path} is in use by another process (is another MaaS Workbench "
                                 "running with this data dir?). Stop it, or start with another --data-dir.") from None
            raise
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()   # one write transaction at a time: DuckDB refuses conflicting ones

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside a transaction, committed on success and rolled back on any error."""
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB connections are not shared across threads)."""
        with self._lock:
            return self._con.cursor()

    def migrate(self, steps: Sequence[str | Callable[[duckdb.DuckDBPyConnection], None]]) -> None:
        """Run the ``steps`` not yet recorded in ``schema_version``, each in its own transaction."""
        cur = self.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] or 0
        for version, step in enumerate(steps, start=1):
            if version > current:
                cur.execute("BEGIN")
                try:
                    if callable(step):
                        step(cur)
                    else:
                        cur.execute(step)
                    cur.execute("INSERT INTO schema_version VALUES (?)", [version])
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")

    def close(self) -> None:
        self._con.close()


def store_path(data_dir: Path) -> Path:
    """Where the workbench's database lives in a data dir."""
    return data_dir / FILE_NAME
