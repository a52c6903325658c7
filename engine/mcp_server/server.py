"""``hearth mcp``: Hearth's documents and local model as MCP tools, with the official ``mcp`` SDK.

Transports: stdio (``hearth mcp``; the SDK points fd 1 at stderr while it serves, so nothing
else — the model process included — can write into the protocol stream) and streamable HTTP
(``hearth mcp --http``: loopback, bearer token and size limit as for the API server).

Tools: ``list_collections``, ``search_documents(collection, query, k)``, ``ask(question,
collection?)`` — see :mod:`engine.mcp_server.tools`. The MCP client's own model reads what they
return; only collections the person shared are reachable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from engine.errors import HearthError
from engine.mcp_server import tools

if TYPE_CHECKING:
    from engine.core import Core
    from engine.serve.server import ServerThread

NOTICE = ("Whatever these tools return is read by this MCP client's own model, which may be a cloud "
          "service. Only document collections the owner shared with MCP clients are reachable.")


def _guarded(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Engine errors become MCP tool errors with the person-facing message."""
    from mcp.server.mcpserver.exceptions import ToolError

    def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except HearthError as exc:
            raise ToolError(exc.user_text().replace("\n", " ")) from None

    return run


def build(core: Core) -> Any:
    """The MCP server (an ``mcp.server.mcpserver.MCPServer``) with Hearth's tools."""
    from engine import __version__
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("hearth", title="Hearth", version=__version__, instructions=NOTICE, log_level="WARNING")

    @server.tool(description="List the document collections the owner shared with MCP clients. " + NOTICE)
    def list_collections() -> dict[str, Any]:
        return _guarded(tools.list_collections)(core)

    @server.tool(description="Search a shared document collection; returns ranked passages with their source "
                             "(file, page, heading) to cite. " + NOTICE)
    def search_documents(collection: str, query: str, k: int = 5) -> dict[str, Any]:
        return _guarded(tools.search_documents)(core, collection, query, k)

    @server.tool(description="Ask Hearth's local model (it runs on the owner's computer). With a shared "
                             "collection, the answer is written from its documents and cites them. " + NOTICE)
    def ask(question: str, collection: str | None = None) -> dict[str, Any]:
        return _guarded(tools.ask)(core, question, collection)

    return server


def run_stdio(core: Core) -> None:
    """Serve over stdin/stdout until the client closes them."""
    build(core).run("stdio")


def http_server(core: Core, token: str, *, host: str = "127.0.0.1", port: int = 8766,
                allow_network: bool = False) -> ServerThread:
    """Streamable HTTP at ``/mcp`` behind the bearer token (not started)."""
    from engine.serve.app import Guard, TokenCheck
    from engine.serve.server import ServerThread

    mcp = build(core)
    app = mcp.streamable_http_app(host=host)
    guarded = Guard(app, TokenCheck(token), core.config.server.max_request_bytes)  # lifespan passes through
    return ServerThread(guarded, host=host, port=port, allow_network=allow_network, name="hearth-mcp")

