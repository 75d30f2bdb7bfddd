"""Copy an index to another address (a folder to Milvus, or back) without embedding anything again."""

from __future__ import annotations

from collections.abc import Callable

from index.address import Index, open_index


def migrate(source: Index, to: str, on_document: Callable[[str], None] | None = None, token: str = "") -> Index:
    """Copy every document of `source` (chunks, vectors, what they cite) into the index at `to`, created with
    `source`'s manifest; return it. Documents it already holds unchanged are skipped, so an interrupted copy
    goes on where it stopped. `on_document(doc_id)` is called after each; `token` logs in to a Milvus server."""
    target = open_index(to, source.manifest, create=True, token=token)
    for listed in source.documents():
        document = listed.document
        there = target.document_by_source(document.source)
        if not (there and there.content_hash == document.content_hash and there.metadata == document.metadata):
            stored = source.document_chunks(document.doc_id)
            vectors = source.vectors([entry.id for entry in stored])
            target.add(document, [entry.chunk for entry in stored], vectors,
                       source.document_citations(document.doc_id))
        if on_document:
            on_document(document.doc_id)
    return target
