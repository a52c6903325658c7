"""``hearth privacy check`` and ``hearth privacy eval`` on a small fixture set inside the repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.privacy.evaluate import leaked, score

ITEMS = [
    {"id": "p1", "text": "Compose a limerick about a sleepy cat.", "label": "public", "expect": "cloud_ok",
     "category": "general", "spans": []},
    {"id": "p2", "text": "Which river flows through Vienna?", "label": "public", "expect": "cloud_ok",
     "category": "general", "spans": []},
    {"id": "s1", "text": "Could you message my plumber at t.okonjo@fastmail.fm about the leaking valve?",
     "label": "sensitive", "expect": "redact_or_local", "category": "contact", "spans": ["t.okonjo@fastmail.fm"]},
    {"id": "s2", "text": "Draft the launch memo for Project Bluefinch.", "label": "sensitive", "expect": "local",
     "category": "user term", "spans": ["Bluefinch"], "user_terms": ["Bluefinch"]},
    {"id": "s3", "text": "Continue the letter.", "label": "sensitive", "expect": "local", "category": "taint",
     "spans": ["4716 1089 9971 6531"],
     "history": [{"role": "user", "content": "Let my bank know card 4716 1089 9971 6531 went missing."}]},
    {"id": "s4", "text": "Which clause covers non-compete?", "label": "sensitive", "expect": "local",
     "category": "documents", "spans": ["non-compete"], "retrieved_private": True},
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in ITEMS) + "\n", encoding="utf-8")
    return path


def test_eval_writes_one_line_per_item_and_metrics(dataset, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main(["privacy", "eval", str(dataset), "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in lines] == [i["id"] for i in ITEMS]
    by_id = {row["id"]: row for row in lines}
    assert by_id["p1"]["decision"] == "cloud" and by_id["p1"]["outbound"] == ITEMS[0]["text"]
    assert by_id["p1"]["sent"] == [{"role": "user", "content": ITEMS[0]["text"]}]  # everything that would leave
    assert by_id["p1"]["rules"] and by_id["p1"]["reasons"]
    assert by_id["s1"]["decision"] == "redacted" and "fastmail" not in by_id["s1"]["outbound"]
    for i in ("s2", "s3", "s4"):
        assert by_id[i]["decision"] == "local" and by_id[i]["outbound"] is None and by_id[i]["reasons"]
        assert by_id[i]["sent"] == []
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["leak_rate"] == 0.0 and metrics["served_rate"] == 1.0
    assert metrics["pass_rate"] == 1.0 and metrics["verbatim_rate"] == 1.0 and metrics["p95_ms"] > 0


def test_eval_by_rule_prints_each_rules_contribution(dataset, capsys):
    assert main(["privacy", "eval", str(dataset), "--by-rule"]) == 0
    out = capsys.readouterr().out
    assert "context.user_term" in out and "context.retrieved_private" in out and "pattern.email" in out


class _D:  # the parts of a decision the metrics read
    def __init__(self, route, outbound, rules=()):
        self.route, self.outbound, self.outbound_history, self.elapsed_ms = route, outbound, [], 1.0
        self.rules = list(rules)


def test_metrics_count_leaks_case_and_space_insensitively():
    item = {"label": "sensitive", "expect": "redact_or_local", "spans": ["Ines  Varga"], "category": "c"}
    assert leaked(item, _D("redacted", "ask ines varga"))
    assert not leaked(item, _D("redacted", "ask [PERSON_1]"))
    assert leaked({**item, "expect": "local"}, _D("redacted", "anything"))
    m = score([item, {"label": "public", "text": "x", "category": "c"}], [_D("redacted", "ask INES VARGA"), _D("local", None)])
    assert m["leak_rate"] == 1.0 and m["pass_rate"] == 0.0


def test_leaks_are_whole_words_after_unicode_folding():
    item = {"label": "sensitive", "expect": "redacted", "spans": ["0171 555 0199", "Ines"], "category": "c"}
    assert leaked(item, _D("redacted", "call \uff10\uff11\uff17\uff11\u00a0555\u00a00199"))  # full-width, no-break
    assert leaked(item, _D("redacted", "ask In\u200bes"))           # a zero-width space inside the name
    assert not leaked(item, _D("redacted", "the Inesperado tour"))   # not the whole word


def test_by_rule_counts_what_each_rule_decided_and_cost():
    items = [{"label": "public", "text": "a", "category": "c"}, {"label": "sensitive", "expect": "redacted",
                                                               "spans": ["Ines"], "category": "c"}]
    m = score(items, [_D("local", None, ["special.lexicon.health"]), _D("redacted", "Ines", ["pattern.email"])])
    assert m["by_rule"]["special.lexicon.health"] == {"decided": 1, "leaks": 0, "public_blocked": 1, "public_changed": 0}
    assert m["by_rule"]["pattern.email"]["leaks"] == 1


def test_eval_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["privacy", "eval", str(tmp_path / "missing.jsonl")]) == 1
    assert "No such file" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{not json\n')
    assert main(["privacy", "eval", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err


def test_check_shows_decision_and_exact_outbound(capsys):
    assert main(["privacy", "check", "--json", "Email t.okonjo@fastmail.fm please"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "redacted" and out["outbound"] == "Email [EMAIL_1] please" and out["redactions"] == ["EMAIL"]
    assert "pattern.email" in out["rules"]
    assert main(["privacy", "check", "My SSN is 219-09-9999"]) == 0
    text = capsys.readouterr().out
    assert "LOCAL" in text and "national ID" in text and "Would send" not in text
    assert "pattern.national_id" in text  # the rule that decided, by id
