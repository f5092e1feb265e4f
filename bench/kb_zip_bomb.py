"""Bytes a zip bomb writes to disk through knowledge-base ingestion (issue 11 item 6).

    python bench/kb_zip_bomb.py                       # the issue's: 10 x 99 MB of zeros named .pdf, 100 MB limit
    python bench/kb_zip_bomb.py --members 10 --mb 9.9 --limit-mb 10     # the unit test's scale

Builds the archive (members of zeros, each a few bytes shorter than the last so none is a duplicate of
another), submits it with ``Ingestion.submit`` as an upload does (DuckDB store and embedded Chroma in a temporary
directory; no gateway: nothing is embedded) and prints what was written under the files directory. Runs with the
tree it is in: to measure another commit, run it from a ``git archive`` copy of that commit.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


def bomb(members: int, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(members):
            archive.writestr(f"scans/scan-{n}.pdf", bytes(size - n))
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--mb", type=float, default=99, help="MB of zeros per member")
    parser.add_argument("--limit-mb", type=int, default=100, help="the upload limit (MAAS_KB_MAX_UPLOAD_MB)")
    args = parser.parse_args()

    from tests.workbench.chroma_server import VectorPlace
    from tests.workbench.test_kb_ingest import World, make_kb

    data = bomb(args.members, int(args.mb * MB))
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp), None, VectorPlace("persistent"))
        try:
            ingestion = world.ingestion(max_bytes=args.limit_mb * MB)
            kb = make_kb(world.store)
            started = time.perf_counter()
            rows = ingestion.submit(kb, "u-bench", "scans.zip", data)
            seconds = time.perf_counter() - started
            files = Path(tmp) / "files"
            written = sum(p.stat().st_size for p in files.rglob("*") if p.is_file()) if files.exists() else 0
        finally:
            world.close()
    outcomes: dict[str, int] = {}
    for row in rows:
        key = f"{row.status}" + (f" ({row.error_code})" if row.error_code else "")
        outcomes[key] = outcomes.get(key, 0) + 1
    print(f"{len(data) / 1024:.0f} KB zip of {args.members} x {args.mb:g} MB of zeros named .pdf, upload limit "
          f"{args.limit_mb} MB: {written / MB:.1f} MB written in {seconds:.1f} s; rows: {outcomes}")


if __name__ == "__main__":
    main()
