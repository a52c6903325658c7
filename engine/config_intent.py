"""Which settings the person set, as the settings file records it.

Hearth's defaults move between versions (``documents.embedding_model`` went from the float32 to
the int8 MiniLM graph). The aim: a value the person set stays; a value that was only ever
Hearth's default moves with the default. Hearth used to save every setting, so its files cannot
tell the two apart. Since this format (the file starts with :data:`HEADER`) a setting is written
only when

* its value differs from this Hearth's default, or
* the file on disk lists it already (the person set it before, or an older Hearth wrote it);

so a setting the file does not list follows the default of whichever Hearth reads it (an older
Hearth reads such a file as before: a missing setting has always meant the default).

What this does not do: the writers (the Settings dialog, ``hearth`` commands) hand over every
setting, not the ones the person touched, so a value the person picks that equals this
Hearth's default is written only if the file lists that setting already. Otherwise it is not
written and follows the default if a later Hearth moves it. To pin such a value, add its line
to the file by hand; it is kept from then on, whatever its value.

A file on disk that does not pass validation lists nothing usable: ``engine.config.save_config``
keeps it as ``config.toml.bak`` and writes as for a new file.

A file from before lists every setting. A value in it that equals a default of its time may or
may not have been chosen, and nothing here can tell which, so it is kept: no setting is ever
changed behind the person's back. For the defaults that moved (:data:`MOVED_DEFAULTS`),
:func:`notes` tells the person (``hearth doctor``) and how to follow the default: delete the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEADER = ("# Hearth settings. A setting not listed here follows Hearth's default, also when a later\n"
          "# Hearth changes that default; a listed one is kept as it is.\n")

# Defaults that changed: dotted key -> (old default, new default, why the new one is better,
# what switching does not change).
MOVED_DEFAULTS: dict[str, tuple[str, str, str, str]] = {
    "documents.embedding_model": (
        "all-MiniLM-L6-v2", "all-MiniLM-L6-v2-int8",
        "the same model's int8 graph: about 1.5x faster indexing at the same page recall",
        "It is the embedder of new document collections; existing ones keep the one they were built with."),
}


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Settings by dotted key (``documents.embedding_model``); tables are sections."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def to_write(data: dict[str, Any], defaults: dict[str, Any], listed: set[str], prefix: str = "") -> dict[str, Any]:
    """``data`` (every setting, as sections) without the settings that hold their default and
    that the file does not list. Empty sections are left out."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = prefix + key
        default = defaults.get(key)
        if isinstance(value, dict):
            section = to_write(value, default if isinstance(default, dict) else {}, listed, dotted + ".")
            if section:
                out[key] = section
        elif dotted in listed or key not in defaults or value != default:
            out[key] = value
    return out


def notes(raw: dict[str, Any], path: Path) -> list[tuple[str, str]]:
    """(what, fix) for each setting the file lists with a value that used to be the default and
    no longer is: kept, because the file cannot say whether the person chose it."""
    flat = flatten(raw)
    found = []
    for key, (old, new, why, scope) in MOVED_DEFAULTS.items():
        if flat.get(key) == old:
            section, name = key.rsplit(".", 1)
            found.append((f"Your settings set {key} = '{old}', an earlier default; the default is now '{new}' "
                          f"({why}). Earlier versions of Hearth wrote every setting to this file, so Hearth cannot "
                          "tell whether you chose it, and keeps it.",
                          f"To follow the default, delete the line {name} = \"{old}\" under [{section}] in {path}; "
                          f"to keep it, do nothing. {scope}"))
    return found
