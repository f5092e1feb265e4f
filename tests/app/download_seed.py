"""A workbench seeded with alice's secrets (KB documents, a conversation, usage) for the download-route tests,
over HTTP and in the browser: ``seed`` and the ``MARKERS`` that must never reach bob."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.usage.ledger import Ledger, UsageRow
from launch import open_knowledge
from tests import aio
from tests.app.conftest import opened_gateway
from tests.conftest import GatewayProcess
from workbench.conversations import Conversations
from workbench.schema import open_store
from workbench.store import store_path

PASSWORD = "Download-pass-2026"
KEPT, DOOMED, CHAT = b"KEPT-SECRET-7781", b"DOOMED-SECRET-5523", "CHAT-SECRET-9034"
USAGE_MODEL = "alice-usage-secret-model"
MARKERS = (KEPT, DOOMED, CHAT.encode())


def seed(tmp: Path) -> dict[str, Any]:
    """Alice's team KB (kept.md, doomed.md), a share link bob opened, her conversation, her API key; the workbench
    (no models) started on them with its own GRADIO_TEMP_DIR. ``gw``: the running process (stop it when done)."""
    data, cache = tmp / "data", tmp / "gradio-cache"
    gw = opened_gateway(data)                           # the stored services, written before the process starts
    ids = {name: gw.accounts.create_user(name, PASSWORD).id for name in ("alice", "bob")}
    record, key = gw.console.create_key(gw.console.actor_for_username("admin"), ids["alice"], "alice-scripts", None)
    ledger = Ledger(gw.store)                           # alice's usage, for the Usage page's CSV exports
    ledger.record(UsageRow(ts=datetime.now(UTC).replace(tzinfo=None), request_id="u1", key_id=record.id,
                           endpoint="chat.completions", model=USAGE_MODEL, deployment="d", prompt_tokens=7,
                           completion_tokens=3, reasoning_tokens=None, total_tokens=10, usage_source="upstream",
                           status=200, error_code=None, stream=False, latency_ms=1.0, ttft_ms=None,
                           client_aborted=False))
    ledger.flush()
    wb = open_store(store_path(data))
    knowledge = open_knowledge(gw.settings, gw, wb)
    team = knowledge.teams.create(ids["alice"], "Alice lab")
    kb = knowledge.bases.create(ids["alice"], team.id, "Alice KB", "", "use-multilingual:v3")
    kept, doomed = knowledge.upload(ids["alice"], kb.id, [("kept.md", b"# Kept\n\n" + KEPT),
                                                          ("doomed.md", b"# Doomed\n\n" + DOOMED)])
    link, token = knowledge.sharing.create_link(ids["alice"], kb.id)
    knowledge.sharing.open_link(ids["bob"], token)      # bob may read the KB while the link lives
    convs = Conversations(wb)
    conv = convs.create(ids["alice"], model="qwen2.5-coder:0.5b")
    convs.add_message(ids["alice"], conv.id, "user", f"{CHAT}: what did the lab find?")
    convs.add_message(ids["alice"], conv.id, "assistant", "Nothing for bob.")
    aio.run(knowledge.stop())
    wb.close()
    gw.store.close()
    config = tmp / "models.yaml"
    config.write_text("gateway: {embedded: {enabled: false}}\n")
    proc = GatewayProcess(data, config=config, env={"GRADIO_TEMP_DIR": str(cache)}).start()
    return {"gw": proc, "cache": cache, "key": key, "kb": kb.id, "kept": kept.id, "doomed": doomed.id,
            "link": link.id, "conv": conv.id}
