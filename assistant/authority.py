"""A paragraph's authority: which other documents of the index cite it, to the paragraph.

Lawyers look for the leading paragraph, the one later judgments cite ("Hirsi Jamaa and Others, cited above,
§ 180"). At ingest the citations each document makes are resolved to the paragraph (ingest/citations.py) and
stored with it; at query time a judgment paragraph ranks higher the more documents cite it, and shows them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from index.address import Index
from index.records import StoredChunk
from ingest.citations import cited_paragraphs
from ingest.records import Document


def record_unread(index: Index) -> int:
    """Read what each document stored before citations were recorded cites; how many were read."""
    unread = index.citations_unread()
    for doc_id in unread:
        texts = [stored.chunk.text for stored in index.document_chunks(doc_id)]
        index.record_citations(doc_id, cited_paragraphs(texts))
    return len(unread)


def citing_chunks(
    index: Index, entries: Iterable[StoredChunk], documents: dict[str, Document]
) -> dict[int, list[StoredChunk]]:
    """For each numbered judgment paragraph among `entries` (by chunk id), the chunks of other documents that
    cite it; one query for all."""
    wanted: dict[tuple[str, int], list[StoredChunk]] = {}
    for entry in entries:
        meta, chunk = documents[entry.doc_id].metadata, entry.chunk
        # A separate opinion restarts the numbering: "§ 12" of a citation means the judgment's own § 12.
        if meta.kind != "case-law" or chunk.opinion or not (chunk.paragraph or "").isdigit():
            continue
        for key in (*meta.application_numbers, meta.ecli):
            if key:
                wanted.setdefault((key, int(chunk.paragraph)), []).append(entry)
    rows = [row for row in index.citing({key for key, _ in wanted}) if (row[0], row[1]) in wanted]
    citing = index.chunks(chunk_id for _, _, chunk_id in rows)
    found: dict[int, dict[int, StoredChunk]] = {}
    for key, paragraph, chunk_id in rows:
        for cited in wanted[(key, paragraph)]:
            if chunk_id in citing and citing[chunk_id].doc_id != cited.doc_id:
                found.setdefault(cited.id, {})[chunk_id] = citing[chunk_id]
    return {chunk_id: sorted(chunks.values(), key=lambda c: (c.doc_id, c.ordinal)) for chunk_id, chunks in found.items()}


def citing_documents(citing: list[StoredChunk]) -> int:
    """How many documents the citing chunks of a paragraph are in."""
    return len({chunk.doc_id for chunk in citing})


def authority_weight(citing: list[StoredChunk], weight: float) -> float:
    """How much more a paragraph counts for the documents citing it: 1 + weight · ln(1 + documents)."""
    return 1.0 + weight * math.log1p(citing_documents(citing))
