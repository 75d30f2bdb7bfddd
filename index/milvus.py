"""Milvus: the index's face on a Milvus server (`milvus://host:19530/name`) or on Milvus Lite (`milvus-lite:PATH.db`).

An index is three collections. `<name>_chunks` holds each chunk's text and place, its document's filter fields,
its dense vector, and BM25 sparse vectors that Milvus makes from the chunk's text and from its context (its
document's title and citation, its headings). `<name>_documents` holds one row per document, and one row (id "") with the
manifest and the generation. `<name>_citations` holds one row per paragraph of another decision a chunk cites.

Milvus has no transactions, so a document is written whole or not at all by versions: its chunks go in under a
new version, then its document row names that version (the commit), then chunks of other versions are deleted.
Readers keep only chunks whose version is their document row's: a document being written, or left half-written
by a crash, is invisible, and the next write of that document clears what is left of it.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from urllib.parse import urlsplit

import numpy as np

from index.errors import DocumentNotFound, IndexNotFound, StorageError
from index.manifest import Manifest
from index.records import (
    LEXICAL_WEIGHTS,
    Filters,
    ListedDocument,
    StoredChunk,
    id_candidates,
    lexical_context,
)
from ingest.records import Chunk, CitedParagraph, Document, Metadata

LITE = "milvus-lite:"
SERVER = "milvus://"
_BATCH = 1000  # rows per insert, ids per query
_RETRIES = 20  # reads of a document that another process keeps replacing meanwhile
# Like the folder index's FTS5: lower case, accents dropped, English stems.
_ANALYZER = {"tokenizer": "standard", "filter": ["lowercase", "asciifolding", {"type": "stemmer", "language": "english"}]}
_CHUNK_FIELDS = ["id", "doc_id", "version", "ordinal", "text", "place"]
_DOCUMENT_FIELDS = ["doc_id", "version", "record", "chunks"]


def is_milvus(address: object) -> bool:
    """Whether an index address names a Milvus collection rather than a folder."""
    return isinstance(address, str) and address.startswith((LITE, SERVER))


def _parse(address: str) -> tuple[str, str, bool]:
    """(uri for MilvusClient, collection name, whether it is Milvus Lite) of an index address."""
    if address.startswith(LITE):
        path = os.path.expanduser(address[len(LITE):])
        if not path.endswith(".db"):
            raise IndexNotFound(f"{address!r}: a Milvus Lite index is a file ending in .db, e.g. milvus-lite:index.db")
        return path, "asylum", True
    parts = urlsplit(address)
    name = parts.path.strip("/")
    if not parts.hostname or not name or not name.replace("_", "").isalnum():
        raise IndexNotFound(
            f"{address!r} is not a Milvus address: write milvus://HOST:PORT/COLLECTION (letters, digits and _)"
        )
    return f"http://{parts.hostname}:{parts.port or 19530}", name, False


class MilvusIndex:
    """The index face (see index/corpus.py for the folder one) over two Milvus collections."""

    def __init__(self, address: str, client, name: str, lite: bool, manifest: Manifest):
        self.address = address
        self.manifest = manifest
        self._client = client
        self._chunks = f"{name}_chunks"
        self._documents = f"{name}_documents"
        self._citations = f"{name}_citations"
        self._lite = lite

    @classmethod
    def open(cls, address: str, wanted: Manifest | None = None, create: bool = False, token: str = "") -> MilvusIndex:
        """Connect to the collections at `address`; create them when `create` (then `wanted` is required).

        With `wanted`, refuse collections built with other settings (model, chunking).
        """
        uri, name, lite = _parse(address)
        if lite and not create and not os.path.exists(uri):
            raise _not_found(address)
        client = _connect(uri, token, address)
        index = cls(address, client, name, lite, wanted)
        with _errors(address):
            exists = client.has_collection(index._documents)
            if not exists:
                if not create or wanted is None:
                    raise _not_found(address)
                index._create(wanted)
            for collection in (index._documents, index._chunks, index._citations):
                client.load_collection(collection)  # into memory, where Milvus searches (a no-op when they are)
            rows = client.query(index._documents, filter='doc_id == ""', output_fields=["record"])
        if not rows:
            raise IndexNotFound(f"{address} holds collections but no manifest: it was not made by asylum-assistant")
        index.manifest = Manifest(**rows[0]["record"]["manifest"])
        if wanted is not None:
            index.manifest.check_compatible(wanted, address)
        return index

    def _create(self, manifest: Manifest) -> None:
        from pymilvus import DataType, Function, FunctionType

        client = self._client
        chunks = client.create_schema(auto_id=False, enable_dynamic_field=False)
        chunks.add_field("id", DataType.INT64, is_primary=True)
        chunks.add_field("doc_id", DataType.VARCHAR, max_length=512)
        chunks.add_field("version", DataType.VARCHAR, max_length=32)
        chunks.add_field("ordinal", DataType.INT64)
        for field in LEXICAL_WEIGHTS:  # the chunk's text; its document's title and citation and its headings
            chunks.add_field(field, DataType.VARCHAR, max_length=65535, enable_analyzer=True, enable_match=True,
                             analyzer_params=_ANALYZER)
        chunks.add_field("place", DataType.JSON)  # heading, paragraph, opinion, page, part
        chunks.add_field("article", DataType.VARCHAR, max_length=64)
        chunks.add_field("kind", DataType.VARCHAR, max_length=32)
        chunks.add_field("court", DataType.VARCHAR, max_length=1024)  # lower case: the filter ignores case
        chunks.add_field("language", DataType.VARCHAR, max_length=16)
        chunks.add_field("date", DataType.VARCHAR, max_length=16)
        chunks.add_field("case_note", DataType.BOOL)  # a note naming a case: listed under case law
        chunks.add_field("dense", DataType.FLOAT_VECTOR, dim=manifest.dimension)
        for field in LEXICAL_WEIGHTS:
            chunks.add_field(f"{field}_bm25", DataType.SPARSE_FLOAT_VECTOR)
            chunks.add_function(Function(name=f"{field}_bm25", function_type=FunctionType.BM25,
                                         input_field_names=[field], output_field_names=[f"{field}_bm25"]))
        indexes = client.prepare_index_params()
        # Milvus Lite searches exactly; a server uses HNSW (approximate, fast at tens of millions).
        indexes.add_index("dense", index_type="FLAT" if self._lite else "HNSW", metric_type="IP",
                          params={} if self._lite else {"M": 16, "efConstruction": 200})
        for field in LEXICAL_WEIGHTS:
            indexes.add_index(f"{field}_bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        client.create_collection(self._chunks, schema=chunks, index_params=indexes, consistency_level="Strong")

        documents = client.create_schema(auto_id=False, enable_dynamic_field=False)
        documents.add_field("doc_id", DataType.VARCHAR, max_length=512, is_primary=True)
        documents.add_field("version", DataType.VARCHAR, max_length=32)
        documents.add_field("source", DataType.VARCHAR, max_length=4096)
        documents.add_field("content_hash", DataType.VARCHAR, max_length=128)
        documents.add_field("record", DataType.JSON)
        documents.add_field("chunks", DataType.INT64)
        documents.add_field("citations_read", DataType.BOOL)
        documents.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
        indexes = client.prepare_index_params()
        indexes.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_collection(self._documents, schema=documents, index_params=indexes, consistency_level="Strong")

        citations = client.create_schema(auto_id=True, enable_dynamic_field=False)
        citations.add_field("id", DataType.INT64, is_primary=True)
        citations.add_field("key", DataType.VARCHAR, max_length=128)  # the decision cited
        citations.add_field("paragraph", DataType.INT64)
        citations.add_field("chunk_id", DataType.INT64)  # the citing chunk, its document and place
        citations.add_field("doc_id", DataType.VARCHAR, max_length=512)
        citations.add_field("version", DataType.VARCHAR, max_length=32)
        citations.add_field("ordinal", DataType.INT64)
        citations.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
        indexes = client.prepare_index_params()
        indexes.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_collection(self._citations, schema=citations, index_params=indexes, consistency_level="Strong")
        self._put_meta({"manifest": asdict(manifest), "generation": 0})

    def _put_meta(self, record: dict) -> None:
        self._client.upsert(self._documents, [{
            "doc_id": "", "version": "", "source": "", "content_hash": "", "record": record, "chunks": 0,
            "citations_read": True, "unused": [0.0, 0.0],
        }])

    def _changed(self) -> None:
        """Give the index a new generation (the time: writers in several processes need no counter)."""
        self._put_meta({"manifest": asdict(self.manifest), "generation": time.time_ns()})

    def refresh(self) -> None:
        """Nothing to do: every process reads Milvus as it is."""

    def flush(self, replace: bool = False) -> None:
        """Nothing to do: Milvus keeps what it was given."""

    def close(self) -> None:
        self._client.close()

    def generation(self) -> int:
        """A number that changes with every change committed to the index, by any process."""
        with _errors(self.address):
            rows = self._client.query(self._documents, filter='doc_id == ""', output_fields=["record"])
        return int(rows[0]["record"]["generation"])

    # -- changes

    def add(
        self, document: Document, chunks: list[Chunk], vectors: np.ndarray, cited: Sequence[CitedParagraph] = ()
    ) -> Document:
        """Add a document (with what its chunks cite), or replace the one read earlier from the same source;
        return it as stored. A replaced document keeps its id; a new one's is made unique."""
        vectors = np.asarray(vectors, dtype=np.float32)  # before any write: a bad vector changes nothing
        if len(chunks) != len(vectors) or (len(vectors) and vectors.shape[1] != self.manifest.dimension):
            raise ValueError(f"{len(chunks)} chunks but vectors of shape {vectors.shape}")
        with _errors(self.address):
            old = self.document_by_source(document.source)
            document = replace(document, doc_id=old.doc_id if old else self._free_id(document))
            version = secrets.token_hex(8)
            rows = [
                self._chunk_row(document, version, ordinal, chunk, vector)
                for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors))
            ]
            for start in range(0, len(rows), _BATCH):
                self._client.insert(self._chunks, rows[start:start + _BATCH])
            self._insert_citations(document.doc_id, version, [row["id"] for row in rows], cited)
            self._put_document(document, version, len(rows), citations_read=True)  # the commit
            older = f"doc_id == {_literal(document.doc_id)} and version != {_literal(version)}"
            self._client.delete(self._chunks, filter=older)
            self._client.delete(self._citations, filter=older)
            self._changed()
        return document

    def _chunk_row(self, document: Document, version: str, ordinal: int, chunk: Chunk, vector: np.ndarray) -> dict:
        meta = document.metadata
        place = {"heading": list(chunk.heading), "paragraph": chunk.paragraph, "article": chunk.article,
                 "opinion": chunk.opinion, "page": chunk.page, "part": chunk.part}
        return {
            "id": secrets.randbits(62), "doc_id": document.doc_id, "version": version, "ordinal": ordinal,
            "text": chunk.text, "context": lexical_context(document, chunk), "place": place, "article": chunk.article or "",
            "kind": meta.kind, "court": meta.court.lower(), "language": meta.language, "date": meta.date,
            "case_note": meta.kind == "note" and bool(meta.application_numbers or meta.case_numbers),
            "dense": vector.tolist(),
        }

    def _put_document(self, document: Document, version: str, chunks: int, citations_read: bool) -> None:
        record = {"source": document.source, "content_hash": document.content_hash, "format": document.format,
                  "metadata": asdict(document.metadata)}
        self._client.upsert(self._documents, [{
            "doc_id": document.doc_id, "version": version, "source": document.source,
            "content_hash": document.content_hash, "record": record, "chunks": chunks,
            "citations_read": citations_read, "unused": [0.0, 0.0],
        }])

    def _free_id(self, document: Document) -> str:
        candidates = id_candidates(document)
        taken = self._committed(candidates)
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        raise StorageError(f"too many documents named {document.doc_id!r}: rename the file")

    def record_citations(self, doc_id: str, cited: Sequence[CitedParagraph]) -> None:
        """Record what a stored document's chunks cite (replacing what was recorded)."""
        with _errors(self.address):
            row = self._document_row("doc_id", doc_id)
            if row is None:
                return  # removed meanwhile
            ids = [entry.id for entry in self.document_chunks(doc_id)]
            self._client.delete(self._citations, filter=f"doc_id == {_literal(doc_id)}")
            self._insert_citations(doc_id, row["version"], ids, cited)
            self._put_document(_document(row), row["version"], len(ids), citations_read=True)

    def _insert_citations(self, doc_id: str, version: str, ids: list[int], cited: Sequence[CitedParagraph]) -> None:
        rows = [{"key": c.key, "paragraph": c.paragraph, "chunk_id": ids[c.ordinal], "doc_id": doc_id,
                 "version": version, "ordinal": c.ordinal, "unused": [0.0, 0.0]} for c in cited]
        for start in range(0, len(rows), _BATCH):
            self._client.insert(self._citations, rows[start:start + _BATCH])

    def remove(self, doc_id: str) -> Document:
        """Delete a document and its chunks; return what was deleted."""
        document = self.document(doc_id)
        if document is None:
            raise DocumentNotFound(f"no document {doc_id!r} in {self.address}; `asylum-assistant docs` lists them")
        with _errors(self.address):
            self._client.delete(self._documents, filter=f"doc_id == {_literal(doc_id)}")
            self._client.delete(self._chunks, filter=f"doc_id == {_literal(doc_id)}")
            self._client.delete(self._citations, filter=f"doc_id == {_literal(doc_id)}")
            self._changed()
        return document

    # -- documents

    def document(self, doc_id: str) -> Document | None:
        return self._document_where("doc_id", doc_id) if doc_id else None

    def document_by_source(self, source: str) -> Document | None:
        """The document read from `source` (a file's resolved path), if any."""
        return self._document_where("source", source)

    def document_by_hash(self, content_hash: str) -> Document | None:
        """A document whose file had exactly this content (SHA-256), if any."""
        return self._document_where("content_hash", content_hash)

    def _document_where(self, field: str, value: str) -> Document | None:
        row = self._document_row(field, value)
        return _document(row) if row else None

    def _document_row(self, field: str, value: str) -> dict | None:
        with _errors(self.address):
            rows = self._client.query(self._documents, filter=f'{field} == {_literal(value)} and doc_id != ""',
                                      output_fields=_DOCUMENT_FIELDS, limit=1)
        return rows[0] if rows else None

    def documents_by_id(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The documents of `doc_ids` that exist, by id."""
        doc_ids = [doc_id for doc_id in dict.fromkeys(doc_ids) if doc_id]
        with _errors(self.address):
            rows = self._all(self._documents, f"doc_id in {_literal(doc_ids)}", _DOCUMENT_FIELDS) if doc_ids else []
        return {row["doc_id"]: _document(row) for row in rows}

    def documents(self) -> list[ListedDocument]:
        """Every document with its number of chunks, by kind then title."""
        with _errors(self.address):
            rows = self._all(self._documents, 'doc_id != ""', _DOCUMENT_FIELDS)
        listed = [ListedDocument(_document(row), row["chunks"]) for row in rows]
        return sorted(listed, key=lambda entry: (entry.document.metadata.kind, entry.document.metadata.title))

    # -- chunks

    def chunks(self, ids: Iterable[int]) -> dict[int, StoredChunk]:
        """The chunks of `ids` that exist, by id."""
        ids = [int(i) for i in dict.fromkeys(ids)]
        rows = self._chunk_rows(f"id in {_literal(ids)}") if ids else []
        return {row["id"]: _stored_chunk(row) for row in rows}

    def around(self, places: Iterable[tuple[str, int]], radius: int) -> dict[tuple[str, int], list[StoredChunk]]:
        """For each (doc id, ordinal), its document's chunks from `radius` before it to `radius` after, in order."""
        places = list(dict.fromkeys(places))
        if not places:
            return {}
        where = " or ".join(
            f"(doc_id == {_literal(doc_id)} and ordinal >= {int(ordinal) - radius} and ordinal <= {int(ordinal) + radius})"
            for doc_id, ordinal in places
        )
        rows = self._whole({doc_id for doc_id, _ in places}, where)
        stored = sorted((_stored_chunk(row) for row in rows), key=lambda c: (c.doc_id, c.ordinal))
        return {
            (doc_id, ordinal): [c for c in stored if c.doc_id == doc_id and abs(c.ordinal - ordinal) <= radius]
            for doc_id, ordinal in places
        }

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks, in order ([] for no such document)."""
        rows = self._whole({doc_id}, f"doc_id == {_literal(doc_id)}")
        return sorted((_stored_chunk(row) for row in rows), key=lambda c: c.ordinal)

    def document_citations(self, doc_id: str) -> list[CitedParagraph]:
        """What the chunks of a document cite, in the order of its chunks."""
        with _errors(self.address):
            rows = self._visible(self._all(self._citations, f"doc_id == {_literal(doc_id)}",
                                           ["doc_id", "version", "ordinal", "key", "paragraph"]))
        return [CitedParagraph(row["ordinal"], row["key"], row["paragraph"])
                for row in sorted(rows, key=lambda row: (row["ordinal"], row["id"]))]

    def citations_unread(self) -> list[str]:
        """The documents whose citations have not been recorded."""
        with _errors(self.address):
            rows = self._all(self._documents, 'citations_read == false and doc_id != ""', ["doc_id"])
        return [row["doc_id"] for row in rows]

    def citing(self, keys: Iterable[str]) -> list[tuple[str, int, int]]:
        """(cited key, paragraph, citing chunk id) for every recorded citation of the decisions `keys`
        (application numbers, ECLIs)."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        with _errors(self.address):
            rows = self._visible(self._all(self._citations, f"key in {_literal(keys)}",
                                           ["doc_id", "version", "key", "paragraph", "chunk_id"]))
        return [(row["key"], row["paragraph"], row["chunk_id"]) for row in rows]

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of `ids`, in that order."""
        if not ids:
            return np.zeros((0, 0), dtype=np.float32)
        rows = {row["id"]: row["dense"] for row in self._chunk_rows(f"id in {_literal([int(i) for i in ids])}",
                                                                     ["dense"])}
        return np.array([rows[i] for i in ids], dtype=np.float32)

    def article_chunks(self, article: str, filters: Filters = Filters()) -> list[tuple[StoredChunk, str]]:
        """The chunks of Article `article` of every statute, in order, each with its statute's title and citation."""
        rows = self._chunk_rows(f'kind == "statute" and article == {_literal(article)} and {_expression(filters)}')
        stored = sorted((_stored_chunk(row) for row in rows), key=lambda c: (c.doc_id, c.ordinal))
        documents = self.documents_by_id(c.doc_id for c in stored)
        return [(c, f"{documents[c.doc_id].metadata.title} {documents[c.doc_id].metadata.citation}")
                for c in stored if c.doc_id in documents]

    def case_documents(self, keys: Collection[str]) -> list[Document]:
        """The judgments that any of `keys` (an application number, a CJEU case number or an ECLI) identifies."""
        keys = set(keys)
        if not keys:
            return []
        with _errors(self.address):  # the documents' numbers are in their JSON record: read in Python
            rows = self._all(self._documents, 'doc_id != ""', _DOCUMENT_FIELDS)
        return [
            document for document in map(_document, rows) if document.metadata.kind == "case-law"
            and keys & document.metadata.case_identifiers
        ]

    def numbered_paragraphs(self, doc_ids: Collection[str], paragraphs: Collection[str]) -> list[StoredChunk]:
        """The chunks of `doc_ids` numbered `paragraphs` (not of separate opinions), in order."""
        paragraphs = set(paragraphs)
        if not doc_ids or not paragraphs:
            return []
        rows = self._whole(set(doc_ids), f"doc_id in {_literal(sorted(doc_ids))}")
        stored = (_stored_chunk(row) for row in rows)
        return sorted(
            (c for c in stored if c.chunk.paragraph in paragraphs and not c.chunk.opinion),
            key=lambda c: (c.doc_id, c.ordinal),
        )

    def mentions(self, word: str) -> bool:
        """Whether any chunk contains `word` (after the analyzer's stemming)."""
        with _errors(self.address):
            return bool(self._client.query(self._chunks, filter=" or ".join(
                f"TEXT_MATCH({field}, {_literal(word)})" for field in LEXICAL_WEIGHTS), output_fields=["id"], limit=1))

    def chunk_count(self) -> int:
        """The number of chunks of the documents stored."""
        return sum(listed.chunks for listed in self.documents())

    def __len__(self) -> int:
        return self.chunk_count()

    # -- search

    @property
    def approximate(self) -> bool:
        """Whether the dense search is approximate (HNSW on a server; Milvus Lite searches exactly)."""
        return not self._lite

    def dense_search(
        self, query: np.ndarray, k: int, filters: Filters = Filters(), exact: bool = False
    ) -> list[tuple[int, float]]:
        """The k chunks nearest to `query` (a normalised vector) with their cosine, best first; `exact` widens a
        server's search as far as Milvus allows."""
        params = {} if self._lite else {"ef": 16384 if exact else max(64, 2 * k)}
        return self._search([np.asarray(query, dtype=np.float32).tolist()], "dense", k, filters, "", params)

    def lexical_search(self, terms: Sequence[str], k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """The k chunks that best match any of `terms` (words, or phrases of words) by Milvus' BM25 over their text
        and, at half weight, their title, citation and headings; with their score (higher is better)."""
        terms = [term for term in terms if term.strip()]
        if not terms:
            return []
        # Milvus' BM25 finds the chunks with any of the words. A phrase must have all its words (Milvus Lite has
        # no PHRASE_MATCH: they need not be side by side), which a filter says; without phrases none is needed
        # (and Milvus Lite scans every chunk for one).
        match = " or ".join(
            "(" + " and ".join(f"TEXT_MATCH({field}, {_literal(word)})" for word in term.split()) + ")"
            for term in terms for field in LEXICAL_WEIGHTS
        ) if any(" " in term.strip() for term in terms) else ""
        # As the folder index's FTS5 weighs its columns: the text's BM25 plus half the context's.
        scores: dict[int, float] = {}
        for field, weight in LEXICAL_WEIGHTS.items():
            for chunk_id, score in self._search([" ".join(terms)], f"{field}_bm25", k, filters, match, {}):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * score
        return sorted(scores.items(), key=lambda item: item[1], reverse=True)[:k]

    def _search(self, data: list, field: str, k: int, filters: Filters, match: str,
                search_params: dict) -> list[tuple[int, float]]:
        where = _expression(filters)
        if match:
            where = f"({match}) and {where}"
        wanted = k
        while True:  # chunks of documents being written are dropped: ask for more until k are left
            with _errors(self.address):
                found = self._client.search(
                    self._chunks, data, anns_field=field, limit=wanted, filter=where, output_fields=["doc_id", "version"],
                    search_params={"params": search_params},
                )[0]
            rows = [{"id": hit["id"], **hit["entity"], "score": hit["distance"]} for hit in found]
            visible = self._visible(rows)
            if len(visible) >= k or len(rows) < wanted or wanted >= 16384:
                # Milvus Lite gives BM25 scores negated, a server positive; both best first.
                return [(row["id"], abs(float(row["score"])) if field.endswith("_bm25") else float(row["score"]))
                        for row in visible[:k]]
            wanted = min(16384, wanted * 2)

    # -- reading

    def _chunk_rows(self, where: str, fields: Sequence[str] = ()) -> list[dict]:
        """The rows of committed chunks matching `where`."""
        with _errors(self.address):
            return self._visible(self._all(self._chunks, where, [*_CHUNK_FIELDS, *fields]))

    def _whole(self, doc_ids: set[str], where: str) -> list[dict]:
        """The rows matching `where` of documents `doc_ids`, each document's from one version, whole.

        A document's versions are read before and after its rows: when they are the same, every row of that version
        was there in between (a version's rows are deleted only after another version is committed), else the
        document was replaced meanwhile and the read is made again.
        """
        with _errors(self.address):
            for _ in range(_RETRIES):
                before = self._committed(doc_ids)
                rows = [row for row in self._all(self._chunks, where, _CHUNK_FIELDS)
                        if before.get(row["doc_id"]) == row["version"]]
                if self._committed(doc_ids) == before:
                    return rows
        raise StorageError(f"{self.address}: the documents {sorted(doc_ids)} changed at every read; try again")

    def _visible(self, rows: list[dict]) -> list[dict]:
        """The rows whose version is their document's: not of a document being written, or left by a crash."""
        committed = self._committed({row["doc_id"] for row in rows})
        return [row for row in rows if committed.get(row["doc_id"]) == row["version"]]

    def _committed(self, doc_ids: Iterable[str]) -> dict[str, str]:
        doc_ids = [doc_id for doc_id in doc_ids if doc_id]
        rows = self._all(self._documents, f"doc_id in {_literal(doc_ids)}", ["doc_id", "version"]) if doc_ids else []
        return {row["doc_id"]: row["version"] for row in rows}

    def _all(self, collection: str, where: str, fields: list[str]) -> list[dict]:
        """Every row matching `where`, however many (a query alone returns at most 16,384)."""
        return list(self._iterate(collection, where, fields))

    def _iterate(self, collection: str, where: str, fields: list[str]) -> Iterator[dict]:
        iterator = self._client.query_iterator(collection, batch_size=_BATCH, filter=where, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()


def _expression(filters: Filters) -> str:
    """A Milvus filter expression over the chunks' document fields for `filters`."""
    clauses = []
    if filters.kinds:
        kinds = f"kind in {_literal(list(filters.kinds))}"
        clauses.append(f"({kinds} or case_note)" if "case-law" in filters.kinds else kinds)
    if filters.court:
        clauses.append(f"court like {_literal('%' + filters.court.lower().replace('%', '').replace('_', '') + '%')}")
    if filters.language:
        clauses.append(f"language == {_literal(filters.language)}")
    if filters.date_from:
        clauses.append(f'date != "" and date >= {_literal(filters.date_from)}')
    if filters.date_to:
        clauses.append(f'date != "" and date <= {_literal(filters.date_to)}')
    if filters.doc_ids:
        clauses.append(f"doc_id in {_literal(list(filters.doc_ids))}")
    return " and ".join(clauses) or "id >= 0"  # every chunk: ids are 62-bit, never negative


def _literal(value) -> str:
    """A value as a Milvus expression literal (Milvus Lite takes no templates): strings quoted and escaped."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _document(row: dict) -> Document:
    record = row["record"]
    meta = record["metadata"]
    metadata = Metadata(**{**meta, "application_numbers": tuple(meta["application_numbers"]),
                           "case_numbers": tuple(meta["case_numbers"])})
    return Document(doc_id=row["doc_id"], source=record["source"], content_hash=record["content_hash"],
                    format=record["format"], metadata=metadata)


def _stored_chunk(row: dict) -> StoredChunk:
    place = row["place"]
    chunk = Chunk(text=row["text"], heading=tuple(place["heading"]), paragraph=place["paragraph"],
                  article=place["article"], opinion=place["opinion"], page=place["page"], part=place["part"])
    return StoredChunk(id=row["id"], doc_id=row["doc_id"], ordinal=row["ordinal"], chunk=chunk)


def _not_found(address: str) -> IndexNotFound:
    return IndexNotFound(f"no index at {address}. Build one with `asylum-assistant ingest PATH --index {address}` "
                         "or copy a folder index with `asylum-assistant migrate`.")


def _connect(uri: str, token: str, address: str):
    """A client of the Milvus at `uri`, or one sentence saying why there is none."""
    try:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException
    except ImportError:
        raise StorageError(f"{address} is a Milvus index, and the Milvus client is not installed: "
                           "pip install 'asylum-assistant[milvus]'") from None

    # Their errors reach the user as one sentence, below, not as logged tracebacks (Milvus Lite's in-process
    # server also logs one for a call the query iterator tries first, before it uses the client's clock).
    for name in ("pymilvus", "milvus_lite", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        return MilvusClient(uri=uri, token=token, timeout=10)
    except MilvusException as error:
        if address.startswith(LITE) and error.message == "Open local milvus failed":
            raise StorageError(
                f"cannot open {address}: another process has it open (Milvus Lite serves one process at a time: "
                "stop that one, a running `serve`?, or use a Milvus server), or the file is damaged"
            ) from None
        raise StorageError(_explained(address, error)) from None


class _errors:
    """Turns what the Milvus client raises into one sentence (StorageError)."""

    def __init__(self, address: str):
        self.address = address

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        from pymilvus.exceptions import MilvusException

        if isinstance(error, MilvusException):
            raise StorageError(_explained(self.address, error)) from None
        return False


def _explained(address: str, error) -> str:
    message = getattr(error, "message", "") or str(error)
    lowered = message.lower()
    if "auth" in lowered or "token" in lowered or "credential" in lowered or "permission" in lowered:
        return (f"Milvus at {address} refused the token ({message}); set ASYLUM_ASSISTANT_MILVUS_TOKEN to a valid "
                "user:password or API key")
    if "connect" in lowered or "unavailable" in lowered or "timeout" in lowered or "deadline" in lowered:
        return (f"cannot reach Milvus at {address} ({message}); is the server running? "
                "See deploy/milvus/ to start one")
    return f"Milvus at {address} failed: {message}"
