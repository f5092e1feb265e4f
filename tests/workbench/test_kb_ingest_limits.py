"""What one upload may write to disk (issue 11 item 6), on the real ingestion queue (DuckDB, files): a zip bomb
writes nothing — members checked (type, size) before a byte is written, the expansion capped.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.fakes import docs
from tests.workbench.chroma_server import VectorPlace
from tests.workbench.test_kb_ingest import MB, World, a_zip, by_name, make_kb, report_pages
from workbench.kb.errors import Invalid, NotFound

NOTE = b"# Bench notes\n\nThe spectrometer in room 12 is calibrated every Monday morning."


@pytest.fixture()
def world(tmp_path):
    w = World(tmp_path, None, VectorPlace("persistent"))
    yield w
    w.close()


# ---------------------------------------------------------------- zip archives (item 6)


def _bytes_on_disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _zeros_zip(members: int, size: int, head: bytes = b"") -> bytes:
    """``members`` files ``scan-<n>.pdf`` of ``head`` + zeros, ``size`` bytes (less n) each (packs ~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(members):
            archive.writestr(f"scans/scan-{n}.pdf", head + bytes(size - len(head) - n))   # not duplicates
    return out.getvalue()


def test_a_zip_bomb_writes_nothing(world):
    """10 x 9.9 MB of zeros named .pdf in a ~100 KB zip (the issue's 1 MB zip of 10 x 99 MB, scaled to a 10 MB
    upload limit): refused from its directory (it unpacks to ~1000 times its size); with the ratio cap lifted,
    each member is refused from its first bytes; nothing is written either way, nothing can be downloaded."""
    files = world.tmp / "files"
    bomb = _zeros_zip(10, 99 * MB // 10)
    assert len(bomb) < MB
    ingestion = world.ingestion(max_bytes=10 * MB)
    kb = make_kb(world.store)
    [doc] = ingestion.submit(kb, "u-alice", "scans.zip", bomb)
    print(f"\n{len(bomb) / 1024:.0f} KB zip declaring 99 MB: {_bytes_on_disk(files)} bytes written")
    assert (doc.name, doc.status, doc.error_code) == ("scans.zip", "failed", "archive_too_large")
    assert "at most 100 times its own size" in doc.error and "最多为自身大小的 100 倍" in doc.error_zh
    assert _bytes_on_disk(files) == 0

    lifted = world.ingestion(max_bytes=10 * MB, max_archive_ratio=100_000)
    refused = lifted.submit(kb, "u-alice", "scans.zip", bomb)
    assert [(d.name, d.status, d.error_code) for d in refused] == [
        (f"scans/scan-{n}.pdf", "failed", "type_mismatch") for n in range(10)]
    assert refused[0].error == ("“scan-0.pdf” is named like a .pdf file but its content is a program or other "
                                "binary file. Upload the original document.")
    assert _bytes_on_disk(files) == 0
    for d in refused:
        with pytest.raises(NotFound):
            lifted.file(kb, d.id)
        with pytest.raises(Invalid) as caught:
            lifted.retry(kb, d.id)
        assert caught.value.code == "upload_again"

    # the same zeros behind a PDF header pass the type check: the bytes cap refuses them, from the directory
    headed = _zeros_zip(10, 99 * MB // 10, head=b"%PDF-1.7\n")
    capped = world.ingestion(max_bytes=10 * MB, max_archive_ratio=100_000, max_archive_bytes=30 * MB)
    assert [d.error_code for d in capped.submit(kb, "u-alice", "headed.zip", headed)] == ["archive_too_large"]
    [single] = lifted.submit(kb, "u-alice", "scan.pdf", bytes(99 * MB // 10))     # not zipped: refused alike
    assert (single.status, single.error_code) == ("failed", "type_mismatch")
    assert _bytes_on_disk(files) == 0


def test_an_archive_within_its_budget_streams_its_members_to_disk(world):
    """Members that pass are written whole (sha256 and size as uploaded); the budget counts the bytes written."""
    ingestion = world.ingestion(max_bytes=2 * MB, max_archive_bytes=3 * MB)
    kb = make_kb(world.store)
    pdf = docs.pdf_file(report_pages(pages=3))
    archive = a_zip({"a/report.pdf": pdf, "a/notes.md": NOTE, "a/empty.txt": b"  \n"})
    got = by_name(ingestion.submit(kb, "u-alice", "a.zip", archive))
    assert (got["a/report.pdf"].status, got["a/notes.md"].status) == ("queued", "queued")
    assert (got["a/empty.txt"].status, got["a/empty.txt"].error_code) == ("failed", "empty")
    assert ingestion.file(kb, got["a/report.pdf"].id)[1].read_bytes() == pdf
    assert _bytes_on_disk(world.tmp / "files") == len(pdf) + len(NOTE)
    assert not list((world.tmp / "files").rglob(".incoming-*"))
