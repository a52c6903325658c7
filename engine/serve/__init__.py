"""``hearth serve``: Hearth's OpenAI-compatible local API (see :mod:`engine.serve.app`, docs/api.md)."""
