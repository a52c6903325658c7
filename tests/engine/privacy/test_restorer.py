from __future__ import annotations

from engine.privacy.detectors import Finding
from engine.privacy.redact import Mapping, Restorer, redact


def _stream(restorer: Restorer, pieces: list[str]) -> str:
    return "".join(restorer.feed(p) for p in pieces) + restorer.flush()


def test_same_value_same_placeholder():
    text = "Ann met Bob; Ann left."
    f = [Finding("PERSON", 0, 3, "Ann", False, ""), Finding("PERSON", 8, 11, "Bob", False, ""),
         Finding("PERSON", 13, 16, "Ann", False, "")]
    out, mapping = redact(text, f)
    assert out == "[PERSON_1] met [PERSON_2]; [PERSON_1] left."
    assert mapping.to_original == {"[PERSON_1]": "Ann", "[PERSON_2]": "Bob"}


def test_placeholders_split_across_tokens_are_restored():
    r = Restorer({"[PERSON_1]": "Ann Lee", "[EMAIL_12]": "ann@corp.io"})
    pieces = ["Hi [", "PER", "SON", "_1", "], mail [EMAIL", "_1", "2] now."]
    assert _stream(r, pieces) == "Hi Ann Lee, mail ann@corp.io now."


def test_text_is_not_held_back_needlessly():
    r = Restorer({"[PERSON_1]": "Ann"})
    assert r.feed("a [link](x) and ") == "a [link](x) and "
    assert r.feed("[PERS") == ""          # could still become a placeholder
    assert r.feed("ON_1] ok") == "Ann ok"


def test_unknown_placeholders_and_brackets_survive():
    r = Restorer({"[PERSON_1]": "Ann"})
    assert _stream(r, ["list[0] and [PERSON_9] and [", "x"]) == "list[0] and [PERSON_9] and [x"


def test_no_mapping_passes_through():
    r = Restorer({})
    assert r.feed("[PERSON_1]") == "[PERSON_1]" and r.flush() == ""


def test_mapping_counts_per_type():
    m = Mapping()
    assert m.placeholder_for("EMAIL", "a@b.io") == "[EMAIL_1]"
    assert m.placeholder_for("PERSON", "Ann") == "[PERSON_1]"
    assert m.placeholder_for("EMAIL", "A@B.io ") != m.placeholder_for("EMAIL", "c@d.io")


def test_loosely_echoed_placeholders_are_restored():
    r = Restorer({"[PERSON_1]": "Ann Lee"})
    assert _stream(r, ["Dear [Per", "son_1], and [PERSON 1]", "."]) == "Dear Ann Lee, and Ann Lee."


def test_segments_mark_placeholders_for_previews():
    from engine.privacy.redact import segments

    assert segments("Mail [EMAIL_1] to [PERSON_2].") == [
        ("Mail ", False), ("[EMAIL_1]", True), (" to ", False), ("[PERSON_2]", True), (".", False)]


def test_engine_privacy_imports_stay_light():
    import subprocess
    import sys

    code = ("import sys, engine.privacy, engine.cloud.providers, engine.cloud.audit, engine.cloud.usage, "
            "engine.cloud.keys, engine.cli.privacy_cmds; "
            "print(','.join(m for m in ('spacy', 'openai', 'anthropic', 'torch', 'keyring', 'phonenumbers') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
