"""How the store keeps positions: its own module, free of the database driver, so that
``mda db --help`` shows the defaults without loading psycopg."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """How positions are kept: chunk or partition length, compression, retention."""

    chunk_interval_days: int = 1
    compress_after_days: int = 7
    retention_days: int = 365
    partitions_ahead_days: int = 3
