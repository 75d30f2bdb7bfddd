"""The entry point of chunking: the right chunker for a document's kind, and the version of the rules."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.judgment import split_judgment
from ingest.prose import split_prose
from ingest.records import Block, Chunk
from ingest.sentences import TokenBudget
from ingest.statute import split_statute

# The index records this version; bump it whenever chunk output changes, so an index built with other
# rules is rebuilt rather than mixed.
CHUNKER_VERSION = "1"


def chunk_blocks(
    blocks: Sequence[Block], kind: str, budget: TokenBudget
) -> list[Chunk]:
    """Chunk a parsed document by kind: "case-law" by paragraph, "statute" by Article, anything else as prose.

    A judgment without numbered paragraphs is chunked as prose (split_judgment does that itself, keeping
    its headings), and so is a statute without Article headings. Every chunk has text and fits the budget.
    """
    if kind == "case-law":
        chunks = split_judgment(blocks, budget)
    elif kind == "statute":
        chunks = split_statute(blocks, budget)
        if not any(chunk.article for chunk in chunks):
            chunks = split_prose(blocks, budget)
    else:
        chunks = split_prose(blocks, budget)
    return [chunk for chunk in chunks if chunk.text.strip()]
