"""Chunking of prose (articles, reports, and legal texts without numbered structure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.lines import HeadingPath, heading_texts, join_lines, push_heading
from ingest.records import Block, Chunk
from ingest.sentences import TokenBudget, fit_pieces

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Paragraph:
    """A run of text that chunking keeps together where it can, with where it sits in the document."""

    text: str
    heading: tuple[str, ...] = ()
    page: int | None = None


def split_prose(blocks: Sequence[Block], budget: TokenBudget) -> list[Chunk]:
    """Chunk prose: blank-line separated paragraphs merged up to the budget, never across a heading.

    The lines between two blank lines are one paragraph wrapped (Markdown, text from PDF): they join
    with a space, and with a new line only before a list item.
    """
    paragraphs: list[Paragraph] = []
    path: HeadingPath = ()
    lines: list[Block] = []

    def flush() -> None:
        if lines:
            text = join_lines([b.text for b in lines], hard_wrapped=True)
            paragraphs.append(Paragraph(text, heading_texts(path), lines[0].page))
            lines.clear()

    for block in blocks:
        if block.role == "heading":
            flush()
            level, title = heading_level_and_title(block.text)
            if title:
                path = push_heading(path, level, title)
        elif block.text.strip():
            lines.append(block)
        else:
            flush()
    flush()
    return pack_paragraphs(paragraphs, budget)


def heading_level_and_title(text: str) -> tuple[int, str]:
    """A heading block's level (markdown "#" count when the reader kept it, else 1) and its clean title."""
    match = _MARKDOWN_HEADING.match(text.strip())
    if match:
        return len(match.group(1)), _strip_emphasis(match.group(2))
    return 1, _strip_emphasis(text.strip())


def _strip_emphasis(title: str) -> str:
    return re.sub(r"^[*_]+|[*_]+$", "", title).replace("\\", "").strip()


def pack_paragraphs(
    paragraphs: Iterable[Paragraph],
    budget: TokenBudget,
    *,
    opinion: str | None = None,
    article: str | None = None,
    separator: str = "\n\n",
) -> list[Chunk]:
    """Merge consecutive paragraphs under the same heading into chunks that fit the budget.

    A paragraph too long on its own is cut into pieces (whole sentences where possible).
    """
    chunks: list[Chunk] = []
    current: list[Paragraph] = []

    def flush() -> None:
        if current:
            text = separator.join(p.text for p in current)
            chunks.append(Chunk(text, current[0].heading, None, article, opinion, current[0].page))
            current.clear()

    for paragraph in paragraphs:
        if not paragraph.text.strip():
            continue
        if current and current[0].heading != paragraph.heading:
            flush()
        if (
            current
            and budget.fits(separator.join([*(p.text for p in current), paragraph.text]))
        ):
            current.append(paragraph)
            continue
        flush()
        if budget.fits(paragraph.text):
            current.append(paragraph)
        else:
            for piece in fit_pieces(paragraph.text, budget):
                chunks.append(Chunk(piece, paragraph.heading, None, article, opinion, paragraph.page))
    flush()
    return chunks


def numbered_chunks(
    text: str,
    budget: TokenBudget,
    *,
    heading: tuple[str, ...],
    paragraph: str | None,
    article: str | None = None,
    opinion: str | None = None,
    page: int | None = None,
) -> list[Chunk]:
    """One chunk for a numbered unit (paragraph, recital, Article), or parts 1, 2, ... if it does not fit."""
    pieces = fit_pieces(text, budget)
    numbered = len(pieces) > 1
    return [
        Chunk(piece, heading, paragraph, article, opinion, page, part=index if numbered else 0)
        for index, piece in enumerate(pieces, start=1)
    ]
