"""ModelHost against the real SmolLM2 GGUF: streaming, KV prefix reuse, cancel, crash, fitting.

One model process serves the whole module (SmolLM2 loads in well under a second, but a shared
host also proves that the protocol stays in step across many requests).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import psutil
import pytest

from engine.config import ModelSettings
from engine.errors import ContextOverflow, ModelCrashed
from engine.inference import FitResult, ModelHost
from tests.engine.inference.helpers import LONG_PROMPT, model_children, model_for

N_CTX = 512


@pytest.fixture(scope="module")
def host(starter_gguf: Path):
    h = ModelHost(model_for(starter_gguf), ModelSettings(n_ctx=N_CTX, n_threads=1, seed=7, temperature=0.0, max_tokens=64))
    h.load()
    yield h
    h.unload()


def test_load_reports_backend_and_settings(host: ModelHost, starter_gguf: Path) -> None:
    info = host.info
    assert info is not None
    assert info.backend == "CPU"  # this build has no GPU offload
    assert info.n_ctx == N_CTX
    assert info.n_gpu_layers == 0
    assert info.n_threads >= 1
    assert info.chat_template_source == "gguf"
    assert Path(info.model_path) == starter_gguf
    assert host.pid in [p.pid for p in model_children()]


def test_stream_yields_text_pieces(host: ModelHost) -> None:
    pieces = list(host.stream_chat([{"role": "user", "content": "What is the capital of France?"}]))
    text = "".join(pieces)
    assert len(pieces) > 1 and text.strip()
    stats = host.last_stats
    assert stats is not None and not stats.cancelled
    assert 0 < stats.tokens <= 64
    assert stats.finish_reason in ("stop", "length")
    assert stats.ttft_s > 0 and stats.tokens_per_s > 0


def test_max_tokens_override_limits_the_answer(host: ModelHost) -> None:
    text = "".join(host.stream_chat(LONG_PROMPT, max_tokens=5))
    assert host.last_stats.tokens == 5 and host.last_stats.finish_reason == "length"
    assert text


def _evict(host: ModelHost) -> None:
    """Run an unrelated prompt, so the next one is evaluated cold (same batch shapes, same logits)."""
    list(host.stream_chat([{"role": "system", "content": "Evict."}, {"role": "user", "content": "Hi"}], max_tokens=1))


def test_same_seed_same_answer_with_sampling(host: ModelHost) -> None:
    _evict(host)
    a = "".join(host.stream_chat(LONG_PROMPT, temperature=1.0, seed=123, max_tokens=24))
    _evict(host)
    b = "".join(host.stream_chat(LONG_PROMPT, temperature=1.0, seed=123, max_tokens=24))
    assert a == b


def test_follow_up_turn_reuses_the_kv_cache(host: ModelHost) -> None:
    _evict(host)  # so the first turn below is a cold prefill
    turn1 = [{"role": "user", "content": "Name three colours of the rainbow."}]
    answer = "".join(host.stream_chat(turn1))
    first = host.last_stats
    assert first.cached_tokens < 10  # only the template's opening tokens were shared
    turn2 = turn1 + [{"role": "assistant", "content": answer}, {"role": "user", "content": "And two more?"}]
    "".join(host.stream_chat(turn2))
    second = host.last_stats
    # The whole first prompt came from the cache; only the new user message (plus the template's
    # few tokens around it) was evaluated.
    assert second.cached_tokens >= first.prompt_tokens
    assert second.prompt_eval_tokens < second.prompt_tokens - first.prompt_tokens


def test_cancel_from_another_thread_ends_the_stream_early(host: ModelHost) -> None:
    got_first = threading.Event()
    canceller = threading.Thread(target=lambda: (got_first.wait(30), host.cancel()))
    canceller.start()
    pieces = []
    for piece in host.stream_chat(LONG_PROMPT, max_tokens=400):  # ends normally, no exception
        pieces.append(piece)
        got_first.set()
    canceller.join()
    stats = host.last_stats
    assert stats.cancelled and stats.finish_reason == "cancelled"
    assert 1 <= stats.tokens < 400
    # the next request is unaffected by the cancel
    assert "".join(host.stream_chat(LONG_PROMPT, max_tokens=8))
    assert not host.last_stats.cancelled and host.last_stats.tokens == 8


def test_cancel_inside_the_loop_ends_the_stream_normally(host: ModelHost) -> None:
    received = 0
    for _ in host.stream_chat(LONG_PROMPT, max_tokens=400):
        received += 1
        if received == 3:
            host.cancel()
    stats = host.last_stats
    # pieces already in the pipe are still delivered; how fast it stops is measured in bench/
    assert stats.cancelled and stats.finish_reason == "cancelled"
    assert received >= 3 and stats.tokens < 400


def test_cancel_during_prompt_evaluation_aborts_it(host: ModelHost, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Summarise this: " + "the quick brown fox jumps over the lazy dog. " * 35
    long_prompt = [{"role": "user", "content": text}]
    _evict(host)
    expected = "".join(host.stream_chat(long_prompt, max_tokens=8))
    _evict(host)
    # A cancel that is already set when the prompt starts evaluating (deterministic stand-in for
    # one that arrives mid-prefill): llama.cpp's abort callback stops the evaluation.
    monkeypatch.setattr(host._cancel, "clear", lambda: None)
    host.cancel()
    pieces = list(host.stream_chat(long_prompt, max_tokens=8))
    monkeypatch.undo()
    stats = host.last_stats
    assert pieces == [] and stats.cancelled and stats.tokens == 0 and stats.prompt_eval_tokens == 0
    assert stats.prompt_tokens > 300
    # the model works afterwards, and the aborted prompt left nothing half-evaluated in the cache
    assert "".join(host.stream_chat(long_prompt, max_tokens=8)) == expected
    assert host.last_stats.cached_tokens < 10


def test_abandoned_stream_keeps_the_protocol_in_step(host: ModelHost) -> None:
    stream = host.stream_chat(LONG_PROMPT, max_tokens=400)
    next(stream)
    stream.close()  # e.g. the caller broke out of its loop
    assert host.last_stats.cancelled
    assert host.count_tokens(LONG_PROMPT) == host.count_tokens(LONG_PROMPT) > 5
    assert "".join(host.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=8))


def test_unknown_override_is_refused(host: ModelHost) -> None:
    with pytest.raises(TypeError, match="temprature"):
        host.stream_chat(LONG_PROMPT, temprature=0.5)


def test_count_tokens_grows_with_the_conversation(host: ModelHost) -> None:
    short = host.count_tokens([{"role": "user", "content": "Hi"}])
    longer = host.count_tokens([{"role": "user", "content": "Hi " * 50}])
    assert 0 < short < longer
    assert longer - short >= 45  # "Hi " is about one token each


def _history(turns: int) -> list[dict]:
    msgs = []
    for i in range(turns):
        msgs.append({"role": "user", "content": f"Question number {i}: tell me about topic {i} in detail please."})
        msgs.append({"role": "assistant", "content": f"Answer {i}: " + "this topic is interesting. " * 8})
    return msgs


def test_fit_keeps_everything_when_it_fits(host: ModelHost) -> None:
    fit = host.fit_messages("Be brief.", _history(1), "Thanks!", max_tokens=64)
    assert isinstance(fit, FitResult)
    assert fit.dropped_turns == 0
    assert len(fit.messages) == 1 + 2 + 1
    assert fit.reply_budget == 64
    assert fit.prompt_tokens == host.count_tokens(fit.messages)


def test_fit_drops_oldest_turns_first(host: ModelHost) -> None:
    history = _history(12)  # far more than 512 tokens
    assert host.count_tokens(history) > N_CTX
    fit = host.fit_messages("Be brief.", history, "What was the last question?", max_tokens=128)
    assert fit.dropped_turns > 0
    assert fit.messages[0] == {"role": "system", "content": "Be brief."}
    assert fit.messages[-1] == {"role": "user", "content": "What was the last question?"}
    kept = fit.messages[1:-1]
    assert kept == history[2 * fit.dropped_turns:]  # whole turns, the newest ones
    assert fit.prompt_tokens + 128 <= N_CTX
    # dropping one turn fewer would not have fitted: the fewest possible turns were dropped
    one_more = [fit.messages[0]] + history[2 * (fit.dropped_turns - 1):] + [fit.messages[-1]]
    assert host.count_tokens(one_more) + 128 > N_CTX
    # and the fitted prompt really runs
    assert "".join(host.stream_chat(fit.messages, max_tokens=8))


def test_fit_refuses_a_message_that_cannot_fit(host: ModelHost) -> None:
    huge = "lorem ipsum dolor sit amet " * 200
    with pytest.raises(ContextOverflow) as err:
        host.fit_messages("Be brief.", _history(2), huge)
    assert "512" in str(err.value) and "tokens" in str(err.value)
    assert err.value.hint


def test_overlong_prompt_sent_anyway_is_a_clear_error(host: ModelHost) -> None:
    with pytest.raises(ContextOverflow, match="context window holds 512"):
        list(host.stream_chat([{"role": "user", "content": "word " * 800}]))
    assert "".join(host.stream_chat([{"role": "user", "content": "Say hi."}], max_tokens=4))


def test_kill_during_generation_raises_model_crashed_then_recovers(host: ModelHost) -> None:
    old_pid = host.pid
    with pytest.raises(ModelCrashed) as err:
        for i, _ in enumerate(host.stream_chat(LONG_PROMPT, max_tokens=400)):
            if i == 2:
                os.kill(old_pid, signal.SIGKILL)
    assert "stopped unexpectedly" in str(err.value)
    assert "SIGKILL" in str(err.value) and err.value.hint
    assert not psutil.pid_exists(old_pid) or psutil.Process(old_pid).status() == psutil.STATUS_ZOMBIE
    # the next call starts a fresh model process transparently
    assert "".join(host.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=8))
    assert host.pid != old_pid and host.loaded
    assert any("Restarted" in n for n in host.info.notes)


def _wait_until_dead(pid: int) -> None:
    # psutil's wait() would reap the child and hide its exit status from multiprocessing
    proc = psutil.Process(pid)
    for _ in range(200):
        if proc.status() == psutil.STATUS_ZOMBIE:
            return
        threading.Event().wait(0.05)
    raise AssertionError("the killed model process did not die")


def test_death_between_requests_is_reported_once_then_recovers(host: ModelHost) -> None:
    host.load()
    pid = host.pid
    os.kill(pid, signal.SIGSEGV)
    _wait_until_dead(pid)
    with pytest.raises(ModelCrashed, match="segmentation fault"):
        host.count_tokens(LONG_PROMPT)
    assert host.count_tokens(LONG_PROMPT) > 5
    assert host.pid != pid


def test_ctrl_c_in_the_terminal_does_not_kill_the_model(host: ModelHost) -> None:
    # A terminal's Ctrl-C reaches the whole process group; cancelling is the parent's job.
    host.load()
    pid = host.pid
    pieces = []
    for piece in host.stream_chat(LONG_PROMPT, max_tokens=40):
        if not pieces:
            os.kill(pid, signal.SIGINT)
        pieces.append(piece)
    assert host.pid == pid and host.loaded
    assert host.last_stats.tokens == 40 and not host.last_stats.cancelled
