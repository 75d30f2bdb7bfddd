"""An index folder: manifest.json, chunks.sqlite (source of truth) and vectors.<generation>.faiss (a cache)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from index.manifest import Manifest, read_manifest, write_manifest
from index.store import Filters, Store, StoredChunk
from index.vectors import VectorIndex
from ingest.errors import AssistantError, IndexNotFound
from ingest.records import Chunk, Document

DATABASE = "chunks.sqlite"


class CorpusIndex:
    """Documents, chunks and vectors of one index folder, kept consistent with each other.

    Every change is one SQLite transaction; the FAISS cache is updated in memory and saved by `flush()`.
    If a run dies before flushing, the next open sees that the cache is stale and rebuilds it from the
    vectors stored in SQLite, without re-embedding anything.
    """

    def __init__(self, folder: Path, manifest: Manifest, store: Store, vectors: VectorIndex, generation: int):
        self.folder = folder
        self.manifest = manifest
        self.store = store
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
        for ids, batch in self.store.all_vectors():
            vectors.add(ids, batch)
        self._vectors = vectors
        self._generation = self.store.generation()
        vectors.save(self.folder, self._generation)

    def refresh(self) -> None:
        """Pick up changes another process (a CLI ingest beside the web app) committed to this folder."""
        if self.store.generation() != self._generation:
            with self._write_lock:
                if self.store.generation() != self._generation:
                    self._rebuild_vectors()

    def flush(self) -> None:
        """Save the FAISS cache for the current generation (atomically)."""
        with self._write_lock:
            if not (self.folder / f"vectors.{self._generation}.faiss").exists():
                self._vectors.save(self.folder, self._generation)

    def close(self) -> None:
        self.flush()
        self.store.close()

    # -- changes

    def add(self, document: Document, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Add a document, or replace the one read earlier from the same source."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        with self._write_lock:
            added, removed = self.store.put_document(document, chunks, vectors)
            self._vectors.remove(removed)
            self._vectors.add(np.array(added, dtype=np.int64), vectors)
            self._generation = self.store.generation()

    def remove(self, doc_id: str) -> Document:
        """Delete a document and its chunks; return what was deleted."""
        document = self.store.document(doc_id)
        if document is None:
            raise AssistantError(f"no document {doc_id!r} in {self.folder}; `asylum-assistant docs` lists them")
        with self._write_lock:
            removed = self.store.delete_document(doc_id)
            self._vectors.remove(removed)
            self._generation = self.store.generation()
        return document

    # -- reads

    def dense_search(self, query: np.ndarray, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        allowed = self.store.filtered_ids(filters) if filters else None
        return self._vectors.search(query, k, allowed)

    def lexical_search(self, match: str, k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        return self.store.lexical_search(match, k, filters)

    def chunks(self, ids: list[int]) -> dict[int, StoredChunk]:
        return self.store.chunks(ids)

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def documents(self) -> list[tuple[Document, int]]:
        return self.store.documents()

    def __len__(self) -> int:
        return len(self._vectors)
