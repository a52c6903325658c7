"""``hearth mcp``: an MCP server over the core (see :mod:`engine.mcp_server.server`, docs/mcp.md)."""
