"""Blocks from the shared corpus's .txt and .md files, and small text helpers, for the chunker tests.

One Block per line, Block("") for a blank line, a markdown "#" line as a role="heading" block; the
YAML front matter of a .md file is metadata, not text; the Official Journal's running heads gone, as
read_document leaves them. Deliberately simpler than the real text reader, so that the chunker tests do not
depend on it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.furniture import strip_page_furniture
from ingest.records import Block


def blocks_from_text(path: Path) -> list[Block]:
    """The blocks of a text file as the chunkers receive them."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".md" and lines and lines[0].strip() == "---":
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
        lines = lines[end + 1 :]
    blocks = []
    for line in lines:
        text = line.strip()
        if text.startswith("#"):
            blocks.append(Block(text.lstrip("#").strip(), role="heading"))
        else:
            blocks.append(Block(text))
    return strip_page_furniture(blocks)


def words(text: str) -> int:
    """A stand-in tokenizer for pure tests: one token per word."""
    return len(text.split())


def squeeze(text: str) -> str:
    """The text without any whitespace, to compare texts whatever their line breaks and spacing."""
    return re.sub(r"\s+", "", text)
