"""Owns the llama.cpp child process: spawn it, wait for READY, report its URL, stop it.

``LlamaProcess.start()`` runs ``python -m gateway.embedded.llama_server`` (see that module for
what the child does and the llama.cpp behaviours it documents) with ``--port 0``, so the OS picks
a free loopback port at bind time (no pick-then-bind race), and reads the one line
``READY http://127.0.0.1:PORT`` the child prints once /health answers 200. The model id llama.cpp
reports (``/v1/models``, ``model`` in responses; it ignores ``model`` in requests) is ``alias``,
by default the file's stem, never the file path. All llama.cpp output goes to ``log_file``;
a failed or timed-out start raises EmbeddedModelError quoting the log's tail.
The child runs in its own session (terminal signals do not reach it) and exits by itself within
about a second if this process dies.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

from gateway.embedded.errors import EmbeddedModelError

_SOURCE_ROOT = Path(__file__).resolve().parents[2]  # the directory that contains gateway/


def log_tail(log_file: Path, lines: int = 25, max_bytes: int = 16384) -> str:
    """The last ``lines`` lines of a log file ("" if it cannot be read)."""
    try:
        with open(log_file, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


class LlamaProcess:
    """A llama.cpp OpenAI-compatible server for one GGUF model, in a child process."""

    def __init__(
        self,
        model_path: Path,
        *,
        ctx: int,
        parallel: int,
        threads: int,
        log_file: Path,
        host: str = "127.0.0.1",
        alias: str | None = None,
        verbosity: int = 3,
    ) -> None:
        self.model_path = Path(model_path).resolve()
        self.ctx = ctx
        self.parallel = parallel
        self.threads = threads
        self.log_file = Path(log_file).resolve()
        self.host = host
        self.alias = alias if alias is not None else self.model_path.stem
        self.verbosity = verbosity
        self._proc: subprocess.Popen[bytes] | None = None
        self._base_url: str | None = None
        self._lock = threading.Lock()

    # ---------- introspection ----------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server (EmbeddedModelError before start())."""
        if self._base_url is None:
            raise EmbeddedModelError("the llama.cpp server is not running; call LlamaProcess.start() first")
        return self._base_url

    @property
    def pid(self) -> int | None:
        """Process id of the child, if one was started."""
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        """True while the child process is running."""
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        """The child's command line."""
        cmd = [
            sys.executable, "-m", "gateway.embedded.llama_server",
            "--model", str(self.model_path),
            "--port", "0",
            "--host", self.host,
            "--ctx", str(self.ctx),
            "--parallel", str(self.parallel),
            "--threads", str(self.threads),
            "--log-file", str(self.log_file),
            "--verbosity", str(self.verbosity),
        ]
        if self.alias:
            cmd += ["--alias", self.alias]
        return cmd

    # ---------- lifecycle ----------
    def start(self, timeout: float = 60) -> str:
        """Spawn the child and wait for READY; return the base URL. Idempotent while alive."""
        with self._lock:
            if self.alive() and self._base_url:
                return self._base_url
            self._reap()
            if not self.model_path.is_file():
                raise EmbeddedModelError(
                    f"model file {self.model_path} does not exist; assemble it first "
                    "(gateway.embedded.model_files.ensure_model)"
                )
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_SOURCE_ROOT), env.get("PYTHONPATH")]))
            with open(self.log_file, "ab") as log:
                log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting llama.cpp: "
                          f"{self.model_path.name} ctx={self.ctx} parallel={self.parallel} "
                          f"threads={self.threads}\n".encode())
                log.flush()
                proc = subprocess.Popen(
                    self.command(),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    env=env,
                    start_new_session=True,
                )
            self._proc = proc
            try:
                self._base_url = self._wait_ready(proc, timeout)
            except BaseException:
                self._terminate(proc, 5)
                self._proc = None
                raise
            return self._base_url

    def _wait_ready(self, proc: subprocess.Popen[bytes], timeout: float) -> str:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise EmbeddedModelError(
                        f"llama.cpp server for {self.model_path.name} was not ready within {timeout:.0f}s; "
                        f"raise the timeout or check {self.log_file}. Last log lines:\n{log_tail(self.log_file)}"
                    )
                if sel.select(min(remaining, 0.5)):
                    chunk = os.read(proc.stdout.fileno(), 4096)
                    buf += chunk
                    if b"\n" in buf:
                        line = buf.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
                        if line.startswith("READY "):
                            proc.stdout.close()
                            return line.split(" ", 1)[1].rstrip("/")
                        raise EmbeddedModelError(
                            f"llama.cpp child printed {line!r} instead of READY; see {self.log_file}")
                    if not chunk:  # EOF without READY: the child is exiting
                        try:
                            proc.wait(5)
                        except subprocess.TimeoutExpired:
                            pass
                        if proc.poll() is None:
                            raise EmbeddedModelError(
                                f"llama.cpp child closed its stdout before READY; see {self.log_file}. "
                                f"Last log lines:\n{log_tail(self.log_file)}"
                            )
                if proc.poll() is not None:
                    raise EmbeddedModelError(
                        f"llama.cpp server for {self.model_path.name} exited with code {proc.returncode} "
                        f"before it was ready; see {self.log_file}. Last log lines:\n{log_tail(self.log_file)}"
                    )

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the child, wait up to ``timeout`` seconds, then SIGKILL. Safe to call twice."""
        with self._lock:
            if self._proc is not None:
                self._terminate(self._proc, timeout)
            self._proc = None
            self._base_url = None

    def _reap(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            self._proc = None
            self._base_url = None

    @staticmethod
    def _terminate(proc: subprocess.Popen[bytes], timeout: float) -> None:
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None and not proc.stdout.closed:
            proc.stdout.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running at {self._base_url}" if self.alive() else "stopped"
        return f"<LlamaProcess {self.model_path.name} {state}>"
