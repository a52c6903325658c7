"""``hearth privacy check`` and ``hearth privacy eval`` on a small fixture set inside the repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.privacy.evaluate import leaked, score

ITEMS = [
    {"id": "p1", "text": "Write a haiku about autumn rain.", "label": "public", "expect": "cloud_ok",
     "category": "general", "spans": []},
    {"id": "p2", "text": "Who won the 2018 FIFA World Cup?", "label": "public", "expect": "cloud_ok",
     "category": "general", "spans": []},
    {"id": "s1", "text": "Please email my accountant at r.delacroix@fastmail.fm about the missing invoice.",
     "label": "sensitive", "expect": "redact_or_local", "category": "contact", "spans": ["r.delacroix@fastmail.fm"]},
    {"id": "s2", "text": "Write the kickoff email for Operation Nightjar.", "label": "sensitive", "expect": "local",
     "category": "user term", "spans": ["Nightjar"], "user_terms": ["Nightjar"]},
    {"id": "s3", "text": "Continue the letter.", "label": "sensitive", "expect": "local", "category": "taint",
     "spans": ["4716 1089 9971 6531"],
     "history": [{"role": "user", "content": "Tell my bank card 4716 1089 9971 6531 was stolen."}]},
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
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert [l["id"] for l in lines] == [i["id"] for i in ITEMS]
    by_id = {l["id"]: l for l in lines}
    assert by_id["p1"] == {"id": "p1", "decision": "cloud", "outbound": ITEMS[0]["text"], "reasons": by_id["p1"]["reasons"]}
    assert by_id["s1"]["decision"] == "redacted" and "fastmail" not in by_id["s1"]["outbound"]
    for i in ("s2", "s3", "s4"):
        assert by_id[i]["decision"] == "local" and by_id[i]["outbound"] is None and by_id[i]["reasons"]
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["leak_rate"] == 0.0 and metrics["served_rate"] == 1.0
    assert metrics["pass_rate"] == 1.0 and metrics["verbatim_rate"] == 1.0 and metrics["p95_ms"] > 0


def test_metrics_count_leaks_case_and_space_insensitively():
    class D:  # the parts of a decision the metrics read
        def __init__(self, route, outbound):
            self.route, self.outbound, self.outbound_history, self.elapsed_ms = route, outbound, [], 1.0

    item = {"label": "sensitive", "expect": "redact_or_local", "spans": ["Rachel  Zheng"], "category": "c"}
    assert leaked(item, D("redacted", "ask rachel zheng"))
    assert not leaked(item, D("redacted", "ask [PERSON_1]"))
    assert leaked({**item, "expect": "local"}, D("redacted", "anything"))
    m = score([item, {"label": "public", "text": "x", "category": "c"}], [D("redacted", "ask RACHEL ZHENG"), D("local", None)])
    assert m["leak_rate"] == 1.0 and m["pass_rate"] == 0.0


def test_eval_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["privacy", "eval", str(tmp_path / "missing.jsonl")]) == 1
    assert "No such file" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{not json\n')
    assert main(["privacy", "eval", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err


def test_check_shows_decision_and_exact_outbound(capsys):
    assert main(["privacy", "check", "--json", "Email r.delacroix@fastmail.fm please"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "redacted" and out["outbound"] == "Email [EMAIL_1] please" and out["redactions"] == ["EMAIL"]
    assert main(["privacy", "check", "My SSN is 219-09-9999"]) == 0
    text = capsys.readouterr().out
    assert "LOCAL" in text and "national ID" in text and "Would send" not in text
