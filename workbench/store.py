"""The workbench's own DuckDB file (``<data_dir>/workbench.duckdb``): one connection, cursors per thread.

The workbench never touches the gateway's database: it keeps its features' state (conversations,
knowledge bases, ...) in a file of its own. DuckDB allows one process per file; threads take
their own cursor from ``Store.cursor()`` (the file handling is ``shared.database``, as for the gateway's).
The tables and their migrations are in ``workbench.schema``, whose ``open_store`` opens and migrates the file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared.database import Database, DatabaseInUse

FILE_NAME = "workbench.duckdb"


class StoreInUse(DatabaseInUse):
    """Another process holds the workbench database file."""


class Store(Database):
    """The workbench's DuckDB database file (``shared.database.Database``: cursor, transaction, migrate, close)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, in_use=StoreInUse)


def store_path(data_dir: Path) -> Path:
    """Where the workbench's database lives in a data dir."""
    return data_dir / FILE_NAME


def utcnow() -> datetime:
    """Now as the store keeps timestamps: naive UTC (DuckDB ``TIMESTAMP``)."""
    return datetime.now(UTC).replace(tzinfo=None)
