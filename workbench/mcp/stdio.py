"""A stdio MCP server as a child we own: spawned in its own process group, spoken to through the SDK's ``Client``,
ended with its whole group.

    process = await spawn(params)                          # params: a launch.LaunchParameters
    async with Client(transport(process)) as client:       # the SDK's Client over the child's stdin / stdout
        await client.list_tools()
    code = await end(process)                              # stdin closed, then SIGTERM, then SIGKILL to the group

The SDK's own ``stdio_client`` spawns the child itself and keeps it (no pid, stderr only to a file); the supervisor
needs both, so it spawns here and ``transport`` does the SDK's framing (one JSON-RPC message per line, read with
the SDK's own message model) over the pipes. A line longer than ``MAX_LINE`` bytes ends the connection rather than
filling memory. ``write_pid`` / ``kill_leftover`` keep a pid file (the pid and its start time, so a reused pid is
never hit) for a group a killed workbench left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from anyio.abc import Process
from mcp import StdioServerParameters, types
from mcp.client._transport import TransportStreams
from mcp.shared.message import SessionMessage

MAX_LINE = 32 * 1024 * 1024
_EXIT_POLL = 0.02
_PIPE_ERRORS = (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError)


async def spawn(params: StdioServerParameters) -> Process:
    """The server's process: ``params.command`` and ``args`` (an argv, no shell), exactly ``params.env``, in
    ``params.cwd``, in a new session (its own process group), stdin / stdout / stderr piped."""
    return await anyio.open_process([params.command, *params.args], env=dict(params.env or {}),
                                    cwd=params.cwd, start_new_session=True)


@contextlib.asynccontextmanager
async def transport(process: Process, max_line: int = MAX_LINE) -> AsyncIterator[TransportStreams]:
    """The SDK's transport streams over ``process``'s stdin and stdout (give it to ``mcp.Client``)."""
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, write_reader = anyio.create_memory_object_stream[SessionMessage](0)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    async def reader() -> None:
        buffer = bytearray()
        async with read_writer:
            with contextlib.suppress(*_PIPE_ERRORS):
                async for chunk in stdout:
                    buffer += chunk
                    while (end := buffer.find(b"\n")) >= 0:
                        line = bytes(buffer[:end])
                        del buffer[: end + 1]
                        if line.strip():
                            await read_writer.send(_message(line))
                    if len(buffer) > max_line:
                        await read_writer.send(ValueError(f"the server wrote a line of over {max_line} bytes"))
                        return

    async def writer() -> None:
        try:
            async with write_reader:
                async for message in write_reader:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                    await stdin.send(data.encode("utf-8"))
        except _PIPE_ERRORS:
            await read_writer.aclose()      # the server stopped reading: the session sees the end

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(reader)
        tasks.start_soon(writer)
        try:
            yield read_stream, write_stream
        finally:
            with anyio.CancelScope(shield=True), contextlib.suppress(*_PIPE_ERRORS):
                await stdin.aclose()
            tasks.cancel_scope.cancel()
            for stream in (read_stream, write_stream):
                stream.close()


def _message(line: bytes) -> SessionMessage | Exception:
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as error:
        return error


async def end(process: Process, grace: float = 2.0) -> int | None:
    """End the server: close its stdin (the MCP way to ask), after ``grace`` seconds SIGTERM its process group,
    after ``grace`` more SIGKILL; then SIGKILL what is left of the group. Its exit code (None if it outlived it)."""
    with anyio.CancelScope(shield=True):
        with contextlib.suppress(*_PIPE_ERRORS):
            if process.stdin is not None:
                await process.stdin.aclose()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if await exited(process, grace):
                break
            signal_group(process.pid, sig)
        await exited(process, grace)
        signal_group(process.pid, signal.SIGKILL)            # children it left in its group
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(*_PIPE_ERRORS):
                    await stream.aclose()
    return process.returncode


async def exited(process: Process, within: float) -> bool:
    """Whether ``process`` has ended within ``within`` seconds (its return code polled: ``wait()`` would also wait
    for every pipe to close, which a grandchild can hold open)."""
    with anyio.move_on_after(within):
        while process.returncode is None:
            await anyio.sleep(_EXIT_POLL)
    return process.returncode is not None


def signal_group(pid: int, sig: int) -> None:
    """``sig`` to the process group ``pid`` leads (its pgid: it was spawned in a new session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), to tell it from a later one of that pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def write_pid(path: Path, pid: int) -> None:
    path.write_text(f"{pid} {_start_time(pid) or '-'}\n")


def kill_leftover(path: Path) -> bool:
    """SIGKILL the group of the process named in the pid file ``path`` if that very process still runs (a
    workbench that was killed left it); the file goes either way. Whether one was killed."""
    try:
        pid_text, started = path.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return False
    finally:
        path.unlink(missing_ok=True)
    if started == "-" or _start_time(pid) != started:
        return False
    signal_group(pid, signal.SIGKILL)
    return True
