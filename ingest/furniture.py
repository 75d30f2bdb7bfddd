"""Page furniture of Official Journal texts: running heads and the footnotes printed under them (every reader's
output goes through strip_page_furniture: see ingest/reader.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.records import Block

# Running heads of the Official Journal as PDF text extraction leaves them, one per page:
# "EN 29.6.2013 Official Journal of the European Union L 180/33", "EN L 180/32 Official Journal ...",
# "EN18.12.2000 Official Journal of the European Communities C 364/1", "EN OJ L, 22.5.2024",
# "2/34 ELI: http://data.europa.eu/eli/reg/2024/1347/oj",
# "Europeiska unionens officiella tidning SV L-serien".
_RUNNING_HEAD = re.compile(
    r"^(?:"
    r"(?:EN|FR|DE|SV) ?(?:\d{1,2}\.\d{1,2}\.\d{4}|[LC] ?\d+/\d+)"
    r" Official Journal of the European (?:Union|Communities)"
    r" (?:\d{1,2}\.\d{1,2}\.\d{4}|[LC] \d+/\d+)"
    r"|(?:(?:EN|SV) )?OJ L, \d{1,2}\.\d{1,2}\.\d{4}(?: (?:EN|SV))?"
    r"|(?:\d+/\d+ )?ELI: http\S+(?: \d+/\d+)?"
    r"|\d{4}/\d+ \d{1,2}\.\d{1,2}\.\d{4}"
    r"|Europeiska unionens officiella tidning(?: SV)?(?: L-serien)?"
    r"|ISSN \d{4}-\d{3}[\dX].*"
    r")$"
)
# A footnote: "( 1 ) OJ L 222, 5.9.2003, p. 3." (Dublin III), "(5) Regulation (EU) 2024/1350 ..." (2024 Pact).
_FOOTNOTE = re.compile(r"^\(\s?\d{1,3}\s?\)\s")


def strip_page_furniture(blocks: Sequence[Block]) -> list[Block]:
    """The blocks without running heads, and without the footnotes that follow a running head.

    PDF extraction puts a page's footnotes right after its running head, up to the end of the page (a
    blank line in text files, a new Block.page from a PDF reader); left in place they would cut a
    sentence of the text in two.
    """
    kept: list[Block] = []
    in_footnotes = False
    after_head = False
    head_page: int | None = None
    for block in blocks:
        text = block.text.strip()
        if _RUNNING_HEAD.match(text):
            after_head, head_page = True, block.page
            continue
        if not text or (block.page is not None and block.page != head_page):
            in_footnotes = after_head = False
        if after_head and _FOOTNOTE.match(text):
            in_footnotes = True
        after_head = False
        if not in_footnotes:
            kept.append(block)
    return kept
