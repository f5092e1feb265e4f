"""Usage: the ledger (``ledger``, written ahead in ``ledger_wal``), a request's row (``metering``), token counts
(``tokens``), dashboards over the daily rollup (``stats``), rate limits and quotas (``limits``, ``reservation``)."""
