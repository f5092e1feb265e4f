"""An agent that answers with MaaS Workbench's model and the tools of one of your tool groups.

    pip install openai mcp
    export MAAS_URL=http://127.0.0.1:7860 MAAS_API_KEY=sk-...          # an API key from your Account page
    export MAAS_MODEL=qwen2.5-coder:0.5b MAAS_MCP_GROUP=lab-tools       # a model of /v1/models, a group's name
    python mcp_agent.py "现在北京什么时间"

The model is reached through the workbench's OpenAI-compatible /v1; the tools through the group's MCP endpoint
/mcp/v1/<group>, with the same key. The agent offers the model the group's tools, runs the calls it asks for,
gives it the results and stops when it answers (or after MAX_ROUNDS calls).
"""

import asyncio
import json
import os
import sys

import httpx2  # the HTTP client the mcp package uses (installed with it)
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from openai import AsyncOpenAI

MAX_ROUNDS = 4


def function_of(tool):
    """An MCP tool as an OpenAI function."""
    return {"type": "function", "function": {"name": tool.name, "description": tool.description or "",
                                             "parameters": tool.input_schema}}


def text_of(result):
    """What a tool answered, as text for the model."""
    texts = [block.text for block in result.content if getattr(block, "text", None)]
    return ("Error: " if result.is_error else "") + "\n".join(texts)


async def main(question):
    url, key = os.environ["MAAS_URL"].rstrip("/"), os.environ["MAAS_API_KEY"]
    model, group = os.environ["MAAS_MODEL"], os.environ["MAAS_MCP_GROUP"]
    llm = AsyncOpenAI(base_url=f"{url}/v1", api_key=key)
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http, \
            Client(streamable_http_client(f"{url}/mcp/v1/{group}", http_client=http)) as tools:
        functions = [function_of(tool) for tool in (await tools.list_tools()).tools]
        messages = [{"role": "user", "content": question}]
        for _ in range(MAX_ROUNDS):
            reply = (await llm.chat.completions.create(model=model, messages=messages, tools=functions)).choices[0]
            calls = reply.message.tool_calls or []
            if not calls:
                return reply.message.content
            messages.append(reply.message.model_dump(exclude_none=True))
            for call in calls:
                print(f"-> {call.function.name}({call.function.arguments})", file=sys.stderr)
                result = await tools.call_tool(call.function.name, json.loads(call.function.arguments or "{}"))
                messages.append({"role": "tool", "tool_call_id": call.id, "content": text_of(result)})
        return f"(no answer after {MAX_ROUNDS} rounds of tool calls)"


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "现在北京什么时间")))
