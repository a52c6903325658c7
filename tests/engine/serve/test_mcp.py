"""`hearth mcp` with the official MCP SDK's client: over stdio (the real `hearth mcp` process)
and over streamable HTTP (the server in this process), with real documents and the real model."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.config import Config, DocumentSettings, ModelSettings, SharingSettings, load_config, save_config
from engine.core import Core
from engine.paths import get_paths

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "mcp-test-token-" + "z" * 24
MODEL = ModelSettings(n_ctx=2048, n_threads=1, n_gpu_layers=0, temperature=0.0, seed=3, max_tokens=16)


def _library(tmp: Path) -> None:
    """Two indexed collections in this test's HEARTH_HOME; only 'house' is shared."""
    house, diary = tmp / "household", tmp / "private"
    house.mkdir()
    diary.mkdir()
    (house / "boiler.md").write_text("# Boiler\n\nTo reset the boiler, hold the red button for ten seconds "
                                     "until the light turns green.\n", encoding="utf-8")
    (diary / "diary.txt").write_text("Dear diary, the spare key is under the blue flowerpot.\n", encoding="utf-8")
    cfg = Config(model=MODEL, documents=DocumentSettings(chunk_tokens=64, chunk_overlap=16),
                 sharing=SharingSettings(collections=["house"]))
    save_config(cfg)
    with Core(cfg) as core:
        core.documents.add("house", [house])
        core.documents.add("diary", [diary])


def _result(res: Any) -> dict:
    assert not res.is_error, res.content
    return res.structured_content


async def _exercise(session: Any) -> dict[str, Any]:
    await session.initialize()
    out: dict[str, Any] = {"tools": sorted(t.name for t in (await session.list_tools()).tools)}
    out["collections"] = _result(await session.call_tool("list_collections", {}))
    out["search"] = _result(await session.call_tool("search_documents",
                                                    {"collection": "house", "query": "reset the boiler", "k": 3}))
    out["hidden"] = await session.call_tool("search_documents", {"collection": "diary", "query": "spare key"})
    out["ask"] = _result(await session.call_tool("ask", {"question": "How do I reset the boiler?",
                                                         "collection": "house"}))
    out["ask_hidden"] = await session.call_tool("ask", {"question": "Where is the key?", "collection": "diary"})
    return out


def _check(out: dict[str, Any]) -> None:
    assert out["tools"] == ["ask", "list_collections", "search_documents"]
    assert [c["name"] for c in out["collections"]["collections"]] == ["house"]  # diary is not shared
    passages = out["search"]["passages"]
    assert passages and passages[0]["n"] == 1 and Path(passages[0]["path"]).name == "boiler.md"
    assert "red button" in passages[0]["text"] and passages[0]["source"].startswith("boiler.md")
    assert out["hidden"].is_error and "not shared" in out["hidden"].content[0].text
    assert "flowerpot" not in json.dumps(out["hidden"].model_dump(mode="json"))
    ask = out["ask"]
    assert ask["answer"].strip() and ask["written_on"] == "this machine"
    assert Path(ask["citations"][0]["path"]).name == "boiler.md"
    assert out["ask_hidden"].is_error and "not shared" in out["ask_hidden"].content[0].text


def test_mcp_over_stdio_with_the_sdk_client(tmp_path: Path) -> None:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    _library(tmp_path)
    env = {"HEARTH_HOME": os.environ["HEARTH_HOME"], "HEARTH_LEARNED_THREADS": "1",
           "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "engine", "mcp"], env=env, cwd=str(ROOT))

    async def run() -> dict[str, Any]:
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                return await _exercise(session)

    _check(asyncio.run(asyncio.wait_for(run(), 600)))


def test_mcp_over_streamable_http_needs_the_token(tmp_path: Path) -> None:
    import httpx2
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    from engine.mcp_server.server import http_server

    _library(tmp_path)
    core = Core(load_config().config, paths=get_paths())
    server = http_server(core, TOKEN, port=0).start()
    try:
        async def run() -> dict[str, Any]:
            client = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
            async with client, streamable_http_client(server.url + "/mcp", http_client=client) as (read, write):
                async with ClientSession(read, write) as session:
                    return await _exercise(session)

        _check(asyncio.run(asyncio.wait_for(run(), 600)))
        r = httpx2.post(server.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert r.status_code == 401  # no token, no tools
    finally:
        server.stop()
        core.close()
