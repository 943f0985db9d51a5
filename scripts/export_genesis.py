"""Export the Book of Genesis (King James Version) once into datasets/genesis/.

Run by hand, never by the tests or the grader. The text comes from Debian's
``bible-kjv-text`` package, read out with the ``bible`` program of ``bible-kjv``:

    apt-get install bible-kjv                   # brings bible-kjv-text along
    python3 scripts/export_genesis.py

or, without installing anything system-wide, from the two packages unpacked in a folder:

    apt-get download bible-kjv bible-kjv-text
    for f in bible-kjv*.deb; do dpkg-deb -x "$f" /tmp/kjv; done
    python3 scripts/export_genesis.py --bible /tmp/kjv/usr/bin/bible --data /tmp/kjv/usr/lib

Each verse becomes one line, without its reference ("Ge1:1 "), in the book's order. Every
tenth chapter (10, 20, 30, 40, 50) is held out as the "test" split (the held-out
validation text, about 10% of the book); the other 45 chapters are "train". The alphabet
(every character the book uses) goes into dataset.toml. Running the script again writes
the same files.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "datasets" / "genesis"
CHAPTERS = 50
HELD_OUT_EVERY = 10
REFERENCE = re.compile(r"^Ge(\d+):(\d+) (.*)$")


def read_genesis(bible: str, data: str | None) -> dict[int, list[str]]:
    """Chapter number -> its verses, as the ``bible`` program prints them."""
    cmd = [bible, "-f"] + (["-p", data] if data else []) + [f"Gen1:1-Gen{CHAPTERS}:26"]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    chapters: dict[int, list[str]] = {}
    for line in text.splitlines():
        m = REFERENCE.match(line)
        if m is None:
            raise SystemExit(f"unexpected line from {bible}: {line[:80]!r}")
        chapters.setdefault(int(m.group(1)), []).append(m.group(3).strip())
    if sorted(chapters) != list(range(1, CHAPTERS + 1)):
        raise SystemExit(f"expected chapters 1-{CHAPTERS}, got {sorted(chapters)}")
    return chapters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bible", default="bible", help="the bible program (bible-kjv)")
    parser.add_argument("--data", default=None, help="the folder holding bible.data")
    args = parser.parse_args()
    chapters = read_genesis(args.bible, args.data)
    splits = {"train": [], "test": []}
    for number, verses in sorted(chapters.items()):
        splits["test" if number % HELD_OUT_EVERY == 0 else "train"].extend(verses)
    OUT.mkdir(parents=True, exist_ok=True)
    texts = {name: "\n".join(verses) + "\n" for name, verses in splits.items()}
    for name, text in texts.items():
        (OUT / f"{name}.txt").write_text(text, encoding="utf-8")
    alphabet = "".join(sorted(set("".join(texts.values()))))
    for name, text in texts.items():
        print(f"wrote {OUT / (name + '.txt')}: {len(text):,} characters")
    print(f"alphabet ({len(alphabet)} characters), for dataset.toml: {alphabet!r}")


if __name__ == "__main__":
    main()
