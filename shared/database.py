"""A DuckDB file for one process: a cursor per thread, one write transaction at a time, migrations in order.

    db = Database(path, in_use=StartupError)     # the exception raised when another process holds the file
    db.migrate(MIGRATIONS)                        # steps not yet in schema_version, each in its own transaction
    with db.transaction() as cur: ...             # committed on success, rolled back on any error
    db.cursor().execute(...)                      # a cursor for the calling thread

DuckDB allows one writing process per file and its connections are not shared across threads. The gateway's
``Store`` (gateway/store.py) and the workbench's (workbench/store.py) are this class with their own migrations.
A migration step is SQL, or a function given the cursor when rows must be rewritten by code; the steps are numbered
from 1 in ``schema_version``, so a later feature only appends to its list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

Step = str | Callable[[duckdb.DuckDBPyConnection], None]


class DatabaseInUse(RuntimeError):
    """Another process holds the database file."""


class Database:
    """A DuckDB database file: one connection, cursors per thread (see the module doc)."""

    def __init__(self, path: Path, *, in_use: Callable[[str], Exception] = DatabaseInUse) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise in_use(f"The database {path} is in use by another process (is another MaaS Workbench "
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

    def migrate(self, steps: Sequence[Step]) -> None:
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
        """Close the file, once a write transaction in progress (a background writer's) has ended."""
        with self._write_lock:
            self._con.close()
