"""Child-process entry point: llama.cpp's own OpenAI-compatible HTTP server on a loopback port.

Run as ``python -m gateway.embedded.llama_server --model PATH --port N --ctx N --parallel N
--threads N --log-file PATH``. It builds an ``xllamacpp.Server`` (llama.cpp's server: /health,
/v1/models, /v1/chat/completions with streaming and ``stream_options.include_usage``,
/tokenize, /metrics, ...), waits until /health answers 200, prints exactly one line
``READY <base-url>`` to stdout, then blocks until SIGTERM/SIGINT or until its parent process
dies (``os.getppid()`` is polled every second), and exits cleanly. ``--port 0`` lets the OS pick
a free port; the URL on the READY line says which one was bound.

Facts about this llama.cpp build (xllamacpp 2026.10.11549), checked by hand:

- Logging: ``CommonParams.verbosity`` is llama.cpp's log threshold (0 = silent, 1 = errors,
  2 = + warnings, 3 = + info, the default; 4 = debug). llama.cpp writes to the process's
  stdout/stderr from its own log thread, so this process points file descriptors 1 and 2 at
  ``--log-file`` (appending) and keeps a private copy of the original stdout for the READY line.
  Nothing reaches the console.
- ``offline = True`` (never touch a model hub), ``ui = False`` (no web UI),
  ``endpoint_metrics = True`` (Prometheus text at /metrics). GET /props answers regardless.
- ``prefill_assistant`` is True by default and kept: a final assistant message is continued.
  Non-streaming responses put the prefilled text AND the continuation in ``message.content``;
  streaming responses send only the continuation in the deltas (the prefill is not echoed).
  Callers that need one behaviour must strip or prepend the prefill themselves.
- ``n_ctx`` is the total KV size; with ``kv_unified`` False (the default) each of the
  ``n_parallel`` slots gets ``n_ctx // n_parallel`` tokens (``/v1/models`` reports that per-slot
  value as ``meta.n_ctx``).
- A model that cannot be loaded, or a port that cannot be bound, makes ``xllamacpp.Server(...)``
  raise RuntimeError("Failed to init server ..."); the reason is in the log (level E).
- The model id llama.cpp reports is the file path unless ``--alias`` is given.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import TextIO
from urllib.parse import urlsplit

DEFAULT_CACHE_RAM_MIB = 512


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the child server."""
    parser = argparse.ArgumentParser(prog="python -m gateway.embedded.llama_server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="path of the GGUF file")
    parser.add_argument("--port", type=int, required=True, help="loopback port (0 = pick a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (keep it loopback)")
    parser.add_argument("--ctx", type=int, required=True, help="total KV context, split across slots")
    parser.add_argument("--parallel", type=int, required=True, help="number of slots (concurrent requests)")
    parser.add_argument("--threads", type=int, required=True, help="CPU threads for generation and batches")
    parser.add_argument("--log-file", required=True, help="llama.cpp's log goes here (appended)")
    parser.add_argument("--alias", default="", help="model id to report instead of the file path")
    parser.add_argument("--verbosity", type=int, default=3, help="llama.cpp log level: 0 silent .. 4 debug")
    parser.add_argument("--cache-ram-mib", type=int, default=DEFAULT_CACHE_RAM_MIB, help="host prompt cache size")
    parser.add_argument("--ready-timeout", type=float, default=120.0, help="seconds to wait for /health")
    return parser


def _health_ok(base_url: str) -> bool:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=2)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _redirect_output(log_file: str) -> TextIO:
    """Send fds 1 and 2 to the log file; return a stream on the original stdout for READY."""
    sys.stdout.flush()
    sys.stderr.flush()
    ready_stream = os.fdopen(os.dup(1), "w", buffering=1)
    log_fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    return ready_stream


def _make_params(args: argparse.Namespace):  # -> xllamacpp.CommonParams
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = args.model
    p.hostnames = [args.host]
    p.port = args.port
    p.n_ctx = args.ctx
    p.n_parallel = args.parallel
    p.cpuparams.n_threads = args.threads
    p.cpuparams_batch.n_threads = args.threads
    p.verbosity = args.verbosity
    p.offline = True
    p.ui = False
    p.endpoint_metrics = True
    p.prefill_assistant = True
    p.cache_ram_mib = args.cache_ram_mib
    if args.alias:
        p.model_alias = {args.alias}
    return p


def serve(args: argparse.Namespace, ready_stream: TextIO) -> int:
    """Start the server, announce READY on ``ready_stream``, block until told to stop."""
    import xllamacpp

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    parent = os.getppid()

    try:
        server = xllamacpp.Server(_make_params(args))
    except RuntimeError as exc:
        print(f"llama_server: could not start llama.cpp ({exc}); see the log lines above", file=sys.stderr)
        return 2
    base_url = server.listening_address
    deadline = time.monotonic() + args.ready_timeout
    while not _health_ok(base_url):
        if stop.is_set() or time.monotonic() > deadline:
            print(f"llama_server: {base_url}/health never answered 200", file=sys.stderr)
            del server
            return 3
        time.sleep(0.05)
    print(f"llama_server: ready at {base_url} (model {args.model})", file=sys.stderr, flush=True)
    ready_stream.write(f"READY {base_url}\n")
    ready_stream.flush()
    ready_stream.close()

    while not stop.wait(1.0):
        if os.getppid() != parent:
            print("llama_server: parent process died; shutting down", file=sys.stderr, flush=True)
            break
    del server  # llama.cpp's ~Server stops the HTTP loop and frees the model
    print("llama_server: stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m gateway.embedded.llama_server``."""
    args = build_parser().parse_args(argv)
    ready_stream = _redirect_output(args.log_file)
    return serve(args, ready_stream)


if __name__ == "__main__":
    sys.exit(main())
