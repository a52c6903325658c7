"""Which files belong to a collection: its roots walked recursively, minus the ignored ones.

Ignored: hidden files and folders (".git", ".venv", ...), dependency and cache folders
(``node_modules``, ``__pycache__``), anything matching a configured glob (matched against the
name and against the path relative to the root), and anything that is not a regular file
(sockets, FIFOs, devices: reading them can block forever). Symlinked folders are not followed.

A symlinked *file* is indexed only if it points inside the root it was found under: a link to
``~/.ssh/id_rsa`` dropped into a shared folder must not put that key into the index (and from
there into answers). Such links are reported as skipped, with the reason.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ALWAYS_IGNORED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv"})


@dataclass(frozen=True)
class FoundFile:
    path: str      # absolute
    root: str      # the collection root it was found under
    size: int
    mtime_ns: int
    skip: str = ""  # why it must not be read (a link leading outside the root); "" = index it


def _ignored(name: str, rel: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g) for g in globs)


def _outside(path: str, real_root: str) -> bool:
    """True when the symlink ``path`` resolves to somewhere outside ``real_root``."""
    target = os.path.realpath(path)
    return target != real_root and not target.startswith(real_root.rstrip(os.sep) + os.sep)


def walk_roots(roots: list[str], globs: list[str], excludes: list[str] = ()) -> Iterator[FoundFile]:  # type: ignore[assignment]
    seen: set[str] = set(excludes)  # removed by the person: never yielded, never descended into
    excluded = set(excludes)
    for root in roots:
        real_root = os.path.realpath(root)
        try:
            st = os.stat(root)
        except OSError:
            continue  # a root that disappeared: its files are removed from the index
        if stat.S_ISREG(st.st_mode):
            if root not in seen:
                seen.add(root)
                yield FoundFile(root, root, st.st_size, st.st_mtime_ns)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root)
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and d not in ALWAYS_IGNORED_DIRS
                and os.path.join(dirpath, d) not in excluded
                and not _ignored(d, os.path.normpath(os.path.join(rel_dir, d)), globs))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                rel = os.path.normpath(os.path.join(rel_dir, name))
                if _ignored(name, rel, globs):
                    continue
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                if not stat.S_ISREG(st.st_mode) or full in seen:
                    continue
                seen.add(full)
                skip = ("a link to a file outside this collection's folder (not followed)"
                        if os.path.islink(full) and _outside(full, real_root) else "")
                yield FoundFile(full, root, st.st_size, st.st_mtime_ns, skip)


def normalise_root(path: str | Path) -> str:
    return str(Path(path).expanduser().resolve())
