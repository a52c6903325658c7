"""Our formatting, tokenising and sampling match llama-cpp-python's own chat completion.

Greedy decoding makes the answer a pure function of the prompt tokens, so identical text proves
the child renders the GGUF's chat template and tokenises exactly as the library does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ModelSettings
from engine.inference import ModelHost
from tests.engine.inference.helpers import model_for

CONVERSATION = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "The capital of France is Paris."},
    {"role": "user", "content": "And what river flows through it?"},
]


@pytest.mark.slow
def test_greedy_answer_matches_llama_cpp_chat_completion(starter_gguf: Path) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    raw = llama_cpp.Llama(str(starter_gguf), n_ctx=512, n_threads=1, n_threads_batch=1, verbose=False)
    try:
        expected = raw.create_chat_completion(CONVERSATION, temperature=0.0, max_tokens=48)
    finally:
        raw.close()
    with ModelHost(model_for(starter_gguf), ModelSettings(n_ctx=512, n_threads=1)) as host:
        got = "".join(host.stream_chat(CONVERSATION, temperature=0.0, max_tokens=48))
        stats = host.last_stats
    assert got == expected["choices"][0]["message"]["content"]
    assert stats.prompt_tokens == expected["usage"]["prompt_tokens"]
    assert stats.tokens == expected["usage"]["completion_tokens"]
