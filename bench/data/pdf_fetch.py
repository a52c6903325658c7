#!/usr/bin/env python3
"""Fetch the PDF development corpus (four Debian manuals) into bench/data/pdf_corpus/.

    python3 bench/data/pdf_fetch.py [--dest DIR]

The PDFs are not committed: this downloads the four Debian packages with ``apt-get download``
(no root needed, nothing is installed), unpacks each with ``dpkg -x`` into a scratch folder, and
copies the one PDF out. Each file's SHA-256 is checked against the copy the questions were
written on; a mismatch (Debian published a new version) is reported, since page labels may
then be off. The destination holds its own ``.gitignore`` so nothing in it is ever committed.
Needs apt-get and dpkg (Debian/Ubuntu); run ``apt-get update`` first on a fresh machine.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# file name in the corpus -> (package, version the set was written on, path inside the package, sha256)
CORPUS = {
    "freedombox-manual.pdf": ("freedombox-doc-en", "23.6.2+deb12u1",
                              "usr/share/freedombox/manual/en/freedombox-manual.pdf",
                              "0d0c4a415505d066e579196757ff4b5fa2e7f51ff84cafa2ab97dfc7b838df52"),
    "auto-multiple-choice.en.pdf": ("auto-multiple-choice-doc-pdf", "1.6.0-1",
                                    "usr/share/doc/auto-multiple-choice/auto-multiple-choice.en.pdf",
                                    "dc69b1bcd7b2b601ae05d84cd52f155d12eb8d340407c7e2eb469ce4647ef0f8"),
    "debmake-doc.en.pdf": ("debmake-doc", "1.17-7", "usr/share/doc/debmake-doc/debmake-doc.en.pdf",
                           "b49a29f9f39ccf599a93de7789338eb001dda98063bfbb9960f7d45e95d027d6"),
    "gnuplot.pdf": ("gnuplot-doc", "5.4.4+dfsg1-2", "usr/share/doc/gnuplot/gnuplot.pdf",
                    "df68dd0613f043141512fc4436d17aaf96727d5a758d85233915ac5056a97206"),
}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def fetch_one(name: str, dest: Path, scratch: Path) -> str:
    package, version, inner, digest = CORPUS[name]
    target = dest / name
    if target.exists() and sha256(target) == digest:
        return "present"
    work = scratch / package
    work.mkdir()
    # The pinned version first; Debian may have replaced it with a point release.
    for spec in (f"{package}={version}", package):
        done = subprocess.run(["apt-get", "download", spec], cwd=work, capture_output=True, text=True)
        if done.returncode == 0:
            break
    else:
        raise SystemExit(f"apt-get download {package} failed: {done.stderr.strip()}\n"
                         "Run `apt-get update` first (this needs Debian's package archive).")
    deb = next(work.glob("*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), str(work / "root")], check=True)
    shutil.copyfile(work / "root" / inner, target)
    got = sha256(target)
    if got != digest:
        return f"DIFFERENT from the labelled copy ({deb.name}): page labels may be off"
    return f"fetched ({deb.name})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dest", default=str(HERE / "pdf_corpus"))
    args = ap.parse_args()
    dest = Path(args.dest)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / ".gitignore").write_text("# fetched by bench/data/pdf_fetch.py: never committed\n*\n")
    with tempfile.TemporaryDirectory(prefix="hearth-pdf-fetch-") as tmp:
        for name in CORPUS:
            print(f"{name}: {fetch_one(name, dest, Path(tmp))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
