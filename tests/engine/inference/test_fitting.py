"""The context-fitting policy on its own (edge cases), with a word counter as the tokenizer.

The real tokenizer is exercised in test_host.py; here the counts are chosen to hit each rule.
"""

from __future__ import annotations

import pytest

from engine.errors import ContextOverflow
from engine.inference.fitting import MIN_REPLY_TOKENS, fit_conversation, split_turns


def words(messages: list[dict]) -> int:
    return sum(len(m["content"].split()) + 2 for m in messages)  # +2: role markers


def turn(i: int, size: int = 10) -> list[dict]:
    return [{"role": "user", "content": f"q{i} " + "w " * (size - 1)},
            {"role": "assistant", "content": f"a{i} " + "w " * (size - 1)}]


def test_split_turns_groups_user_with_following_answers() -> None:
    h = [{"role": "assistant", "content": "greeting"}] + turn(1) + [{"role": "user", "content": "x"}] + turn(2)
    turns = split_turns(h)
    assert [len(t) for t in turns] == [1, 2, 1, 2]
    assert split_turns([]) == []


def test_everything_fits() -> None:
    fit = fit_conversation("sys", turn(1), "hello", count_tokens=words, n_ctx=1000, max_tokens=100)
    assert fit.dropped_turns == 0 and len(fit.messages) == 4 and fit.reply_budget == 100


def test_drops_the_fewest_oldest_turns() -> None:
    history = [m for i in range(10) for m in turn(i)]  # 10 turns × 24 "tokens"
    fit = fit_conversation("sys", history, "hello", count_tokens=words, n_ctx=150, max_tokens=50)
    assert fit.prompt_tokens + 50 <= 150
    assert fit.messages[1:-1] == history[2 * fit.dropped_turns:]
    one_fewer = [fit.messages[0]] + history[2 * (fit.dropped_turns - 1):] + [fit.messages[-1]]
    assert words(one_fewer) + 50 > 150
    assert fit.messages[0]["role"] == "system" and fit.messages[-1]["content"] == "hello"


def test_no_system_prompt_and_dict_message() -> None:
    fit = fit_conversation(None, turn(1), {"role": "user", "content": "hi"}, count_tokens=words, n_ctx=100,
                           max_tokens=10)
    assert fit.messages[0]["role"] == "user" and fit.messages[-1] == {"role": "user", "content": "hi"}


def test_reply_budget_shrinks_when_even_no_history_leaves_max_tokens() -> None:
    new = "w " * 60  # 62 "tokens" with markers; + sys 3 = 65
    fit = fit_conversation("sys", turn(1), new, count_tokens=words, n_ctx=65 + MIN_REPLY_TOKENS + 5,
                           max_tokens=500)
    assert fit.dropped_turns == 1 and fit.reply_budget == MIN_REPLY_TOKENS + 5


def test_new_message_too_long_is_refused_with_numbers() -> None:
    with pytest.raises(ContextOverflow) as err:
        fit_conversation("sys", turn(1), "w " * 300, count_tokens=words, n_ctx=256, max_tokens=64)
    text = str(err.value)
    assert "302" in text and "256" in text and err.value.hint
