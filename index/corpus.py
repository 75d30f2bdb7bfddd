"""The index: the one face of an index folder (manifest.json, chunks.sqlite, vectors.<generation>.faiss).

Callers use CorpusIndex's methods only. SQLite (index/store.py) is the source of truth; the FAISS file
(index/vectors.py) is a cache of its vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.errors import DocumentNotFound, IndexNotFound
from index.manifest import Manifest, read_manifest, write_manifest
from index.records import Filters, ListedDocument, StoredChunk
from index.store import Store
from index.vectors import VectorIndex
from ingest.records import Chunk, Document

DATABASE = "chunks.sqlite"


class CorpusIndex:
    """Documents, their chunks and the chunks' vectors, kept consistent with each other.

    Every change is one SQLite transaction; the FAISS cache is updated in memory and saved by `flush()`.
    If a run dies before flushing, the next open sees that the cache is stale and rebuilds it from the
    vectors stored in SQLite, without re-embedding anything. Threads may search while one thread writes.
    """

    def __init__(self, folder: Path, manifest: Manifest, store: Store, vectors: VectorIndex, generation: int):
        self.folder = folder
        self.manifest = manifest
        self._store = store
        self._vectors = vectors
        self._generation = generation
        self._write_lock = threading.Lock()

    @classmethod
    def open(cls, folder: Path, wanted: Manifest | None = None, create: bool = False) -> CorpusIndex:
        """Open an index folder; create it when `create` (then `wanted` is required).

        With `wanted`, refuse an index built with other settings (model, chunking).
        """
        folder = Path(folder).expanduser()
        manifest = read_manifest(folder)
        if manifest is None:
            if not create or wanted is None:
                raise IndexNotFound(
                    f"no index at {folder}. Build one with `asylum-assistant ingest PATH --index {folder}`."
                )
            folder.mkdir(parents=True, exist_ok=True)
            write_manifest(folder, wanted)
            manifest = wanted
        elif wanted is not None:
            manifest.check_compatible(wanted, folder)
        store = Store(folder / DATABASE)
        generation = store.generation()
        vectors = VectorIndex.load(folder, generation, manifest.dimension)
        index = cls(folder, manifest, store, vectors or VectorIndex(manifest.dimension), generation)
        if vectors is None:
            index._rebuild_vectors()
        return index

    def _rebuild_vectors(self) -> None:
        vectors = VectorIndex(self.manifest.dimension)
        for ids, batch in self._store.all_vectors():
            vectors.add(ids, batch)
        self._vectors = vectors
        self._generation = self._store.generation()
        vectors.save(self.folder, self._generation)

    def refresh(self) -> None:
        """Pick up changes another process (a CLI ingest beside the web app) committed to this folder."""
        if self._store.generation() != self._generation:
            with self._write_lock:
                if self._store.generation() != self._generation:
                    self._rebuild_vectors()

    def flush(self) -> None:
        """Save the FAISS cache for the current generation (atomically)."""
        with self._write_lock:
            if not (self.folder / f"vectors.{self._generation}.faiss").exists():
                self._vectors.save(self.folder, self._generation)

    def close(self) -> None:
        self.flush()
        self._store.close()

    def generation(self) -> int:
        """A number that changes with every change committed to the index, by any process."""
        return self._store.generation()

    # -- changes

    def add(self, document: Document, chunks: list[Chunk], vectors: np.ndarray) -> Document:
        """Add a document, or replace the one read earlier from the same source; return it as stored.

        `document.doc_id` is the id wanted: the index keeps a replaced document's id, and makes a new one's
        unique ("<id>-<format>"...) if another document has it.
        """
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        with self._write_lock:
            stored, added, removed = self._store.put_document(document, chunks, vectors)
            self._vectors.remove(removed)
            self._vectors.add(np.array(added, dtype=np.int64), vectors)
            self._generation = self._store.generation()
        return stored

    def remove(self, doc_id: str) -> Document:
        """Delete a document and its chunks; return what was deleted."""
        document = self._store.document(doc_id)
        if document is None:
            raise DocumentNotFound(f"no document {doc_id!r} in {self.folder}; `asylum-assistant docs` lists them")
        with self._write_lock:
            removed = self._store.delete_document(doc_id)
            self._vectors.remove(removed)
            self._generation = self._store.generation()
        return document

    # -- documents

    def document(self, doc_id: str) -> Document | None:
        return self._store.document(doc_id)

    def document_by_source(self, source: str) -> Document | None:
        """The document read from `source` (a file's resolved path), if any."""
        return self._store.document_by_source(source)

    def document_by_hash(self, content_hash: str) -> Document | None:
        """A document whose file had exactly this content (SHA-256), if any."""
        return self._store.document_by_hash(content_hash)

    def documents_by_id(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The documents of `doc_ids` that exist, by id."""
        return self._store.documents_by_id(doc_ids)

    def documents(self) -> list[ListedDocument]:
        """Every document with its number of chunks, by kind then title."""
        return self._store.documents()

    # -- chunks

    def chunks(self, ids: Iterable[int]) -> dict[int, StoredChunk]:
        """The chunks of `ids` that exist, by id."""
        return self._store.chunks(ids)

    def around(self, places: Iterable[tuple[str, int]], radius: int) -> dict[tuple[str, int], list[StoredChunk]]:
        """For each (doc id, ordinal), its document's chunks from `radius` before it to `radius` after, in order."""
        return self._store.around(places, radius)

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of `ids`, in that order."""
        return self._store.vectors(ids)

    def article_chunks(self, article: str, filters: Filters = Filters()) -> list[tuple[StoredChunk, str]]:
        """The chunks of Article `article` of every statute, in order, each with its statute's title and citation."""
        return self._store.article_chunks(article, filters)

    def mentions(self, word: str) -> bool:
        """Whether any chunk contains `word` (as the lexical search's tokenizer sees words)."""
        return self._store.mentions(word)

    def chunk_count(self) -> int:
        """The number of chunks stored (`len()` is the number the dense search holds; they agree)."""
        return self._store.count_chunks()

    # -- search

    def dense_search(self, query: np.ndarray, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """The k chunks nearest to `query` (a normalised vector) with their cosine, best first."""
        allowed = self._store.filtered_ids(filters) if filters else None
        return self._vectors.search(query, k, allowed)

    def lexical_search(self, terms: Sequence[str], k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """The k chunks that best match any of `terms` (words, or phrases of words side by side) by BM25 over
        their text and, at half weight, their title, citation and headings; with their score (higher is better)."""
        return self._store.lexical_search(terms, k, filters)

    def __len__(self) -> int:
        return len(self._vectors)
