"""Whitespace rules shared by the readers: how raw text runs (DOCX, HTML) become Block text, and how
blank lines become paragraph breaks (DOCX, text files)."""

from __future__ import annotations

import re

from ingest.records import Block

# Stands for a hard line break (<br>, <w:br/>) while runs are joined; NUL never occurs in XML or HTML text.
LINE_BREAK = "\x00"

# Every run of Unicode whitespace, the no-break spaces included: HUDOC writes "1.\xa0\xa0The Court" and
# EUR-Lex "14\xa0maj 2024"; plain single spaces keep "1. " and "12 " at a block's start for the chunkers.
_SPACES = re.compile(r"\s+")


def clean_inline(raw: str) -> str:
    """Collapse whitespace in joined runs, each LINE_BREAK kept as one newline; no blank lines, no edges."""
    lines = (_SPACES.sub(" ", line).strip() for line in raw.split(LINE_BREAK))
    return "\n".join(line for line in lines if line)


def append_block(blocks: list[Block], block: Block) -> None:
    """Add a block, keeping at most one paragraph break (an empty block) in a row and none at the start."""
    if block.text or (blocks and blocks[-1].text):
        blocks.append(block)


def trim_breaks(blocks: list[Block]) -> list[Block]:
    """Drop a trailing paragraph break."""
    return blocks[:-1] if blocks and not blocks[-1].text else blocks
