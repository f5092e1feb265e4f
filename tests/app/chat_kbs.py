"""Two knowledge bases for the chat tests (alice's personal "Lab safety" and her team's "Equipment"), each with a
PDF ingested through the gateway, and the question ``BOTH`` answered from the two."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from launch import AccountDirectory
from tests import aio
from tests.conftest import MASTER_KEY
from tests.fakes.docs import pdf_file
from workbench.clients import UserClients
from workbench.kb.service import KnowledgeService

EMBEDDING = "use-multilingual:v3"
SAFETY = [  # one numbered section per page: one chunk per page
    "1 Protective clothing\nLaboratory coats and closed shoes must be worn at all times in the wet lab. Acid spills "
    "are neutralised with sodium bicarbonate from the yellow cabinet next to the door.",
    "2 Fume hoods\nThe fume hoods are certified every March. If the airflow drops, the hood in room 214 beeps and "
    "shows the alarm code FH-7731; stop working, close the sash and call the facility team.",
    "3 Liquid nitrogen\nLiquid nitrogen dewars may only be filled by trained staff wearing face shields and "
    "cryogenic gloves. Never carry a dewar in the lift together with people.",
]
EQUIPMENT = [
    "1 Confocal microscope\nThe confocal microscope is booked through the facility calendar; a microscope session "
    "lasts at most four hours and must be cancelled a day ahead.",
    "2 Centrifuge\nBefore every run the tubes in the centrifuge must be balanced to within 0.1 gram. The rotor "
    "JA-25.50 is inspected every six months.",
    "3 PCR machines\nThe PCR machines run the standard amplification protocol overnight. Reagents are kept in the "
    "freezer on the left.",
]
BOTH = "Which alarm code does the fume hood show, and how long may a confocal microscope session last?"


def wait_ready(knowledge: KnowledgeService, user_id: str, kb_ids: list[str], timeout: float = 240) -> None:
    async def go() -> None:
        await knowledge.ingestion.start()          # the worker, as launch.py starts it (a test may reach it)
        try:
            deadline = time.monotonic() + timeout
            while True:
                docs = [d for kb_id in kb_ids for d in knowledge.documents(user_id, kb_id)]
                if all(d.status == "ready" for d in docs):
                    return
                assert not [d for d in docs if d.status in ("failed", "cancelled")], docs
                assert time.monotonic() < deadline, f"ingestion did not finish: {docs}"
                await asyncio.sleep(0.1)
        finally:
            await knowledge.ingestion.stop()
    aio.run(go())


def two_kbs(store, gw, data_dir, api_url: str, alice: str) -> tuple[KnowledgeService, Any, Any, Any]:
    """A KnowledgeService on ``store`` with alice's personal KB "Lab safety" and her team "Proteomics"'s
    "Equipment", each with its PDF ingested through the gateway at ``api_url``: (service, safety, team, equipment)."""
    knowledge = KnowledgeService.open(
        store, AccountDirectory(gw.accounts), data_dir=data_dir, embedding_models=lambda: [EMBEDDING],
        client_for=UserClients(api_url, lambda uid: MASTER_KEY), max_bytes=10 * 2**20)
    safety = knowledge.bases.create(alice, knowledge.teams.personal_space(alice).id, "Lab safety", "", EMBEDDING,
                                    chunk_tokens=100, chunk_overlap=0)
    team = knowledge.teams.create(alice, "Proteomics")
    equipment = knowledge.bases.create(alice, team.id, "Equipment", "", EMBEDDING, chunk_tokens=100, chunk_overlap=0)
    knowledge.upload(alice, safety.id, [("safety.pdf", pdf_file(SAFETY, title="Safety"))])
    knowledge.upload(alice, equipment.id, [("equipment.pdf", pdf_file(EQUIPMENT, title="Equipment"))])
    wait_ready(knowledge, alice, [safety.id, equipment.id])
    return knowledge, safety, team, equipment
