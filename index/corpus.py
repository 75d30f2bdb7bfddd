"""The index: the one face of an index folder (manifest.json, chunks.sqlite, vectors.<generation>.faiss).

Callers use CorpusIndex's methods only. SQLite (index/store.py) is the source of truth; the FAISS file
(index/vectors.py) is a cache of its vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

import numpy as np

from index.errors import DocumentNotFound, IndexNotFound
from index.manifest import Manifest, read_manifest, write_manifest
from index.records import Filters, ListedDocument, StoredChunk
from index.store import Store
from index.vectors import VectorIndex
from ingest.records import Chunk, CitedParagraph, Document

DATABASE = "chunks.sqlite"
FILTER_DEPTH = 4  # a filtered dense search first looks this many times deeper without the filter


class CorpusIndex:
    """Documents, their chunks and the chunks' vectors, kept consistent with each other.

    Every change is one SQLite transaction, which also logs what it did to the chunks and bumps the index's
    generation. The FAISS cache in memory follows that log, whoever wrote (this process or another), so it
    always equals the vectors of one generation; `flush()` saves it as `vectors.<generation>.faiss`. Opening
    takes the newest saved cache and patches it from the log, or rebuilds it from the vectors SQLite holds;
    nothing is re-embedded. Threads may search while one thread writes; processes may write at once.
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
        saved = VectorIndex.load_newest(folder, store.generation(), manifest.dimension)
        generation, vectors = saved or (-1, VectorIndex(manifest.dimension))
        index = cls(folder, manifest, store, vectors, generation)
        rebuilt = False
        with index._write_lock:
            index._catch_up()
            if not index._vectors.suits(len(index._vectors)):  # grown past exact search (or shrunk back)
                index._vectors, index._generation = index._rebuilt()
                rebuilt = True
        if rebuilt or index._generation != generation:
            index.flush(replace=rebuilt)  # the next start need not patch or rebuild again
        return index

    def _catch_up(self) -> None:
        """Bring the FAISS cache to SQLite's generation: patch it from the change log, or rebuild it when the
        log does not reach back to it. Called with the write lock held."""
        changes = self._store.changes_since(self._generation) if self._generation >= 0 else None
        if changes is None:
            self._vectors, self._generation = self._rebuilt()
        elif changes.generation != self._generation:
            self._vectors.remove(changes.touched)
            self._vectors.add(changes.added, changes.vectors)
            self._generation = changes.generation

    def _rebuilt(self) -> tuple[VectorIndex, int]:
        generation = self._store.generation()
        vectors = VectorIndex(self.manifest.dimension, expected=self._store.count_chunks())
        for ids, batch in self._store.all_vectors(batch=max(20_000, vectors.training_size())):
            vectors.add(ids, batch)
        # Writers may have gone on meanwhile: the patch from `generation` on brings the rebuilt index level.
        changes = self._store.changes_since(generation)
        if changes is None:
            return self._rebuilt()
        vectors.remove(changes.touched)
        vectors.add(changes.added, changes.vectors)
        return vectors, changes.generation

    def refresh(self) -> None:
        """Pick up changes another process (a CLI ingest beside the web app) committed to this folder."""
        if self._store.generation() != self._generation:
            with self._write_lock:
                self._catch_up()

    def flush(self, replace: bool = False) -> None:
        """Save the FAISS cache (atomically), named by the generation it holds; a full disk only skips it.
        `replace` rewrites a saved cache of that generation (rebuilt as another kind of index)."""
        with self._write_lock:
            self._vectors.save(self.folder, self._generation, replace)

    def close(self) -> None:
        self.flush()
        self._store.close()

    def generation(self) -> int:
        """A number that changes with every change committed to the index, by any process."""
        return self._store.generation()

    # -- changes

    def add(
        self, document: Document, chunks: list[Chunk], vectors: np.ndarray, cited: Sequence[CitedParagraph] = ()
    ) -> Document:
        """Add a document (with what its chunks cite), or replace the one read earlier from the same source;
        return it as stored.

        `document.doc_id` is the id wanted: the index keeps a replaced document's id, and makes a new one's
        unique ("<id>-<format>"...) if another document has it.
        """
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        with self._write_lock:
            stored = self._store.put_document(document, chunks, vectors, cited)
            self._catch_up()
        return stored

    def record_citations(self, doc_id: str, cited: Sequence[CitedParagraph]) -> None:
        """Record what a stored document's chunks cite (for documents stored before citations were)."""
        self._store.put_citations(doc_id, cited)

    def remove(self, doc_id: str) -> Document:
        """Delete a document and its chunks; return what was deleted."""
        document = self._store.document(doc_id)
        if document is None:
            raise DocumentNotFound(f"no document {doc_id!r} in {self.folder}; `asylum-assistant docs` lists them")
        with self._write_lock:
            self._store.delete_document(doc_id)
            self._catch_up()
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

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks, in order ([] for no such document)."""
        return self._store.document_chunks(doc_id)

    def document_citations(self, doc_id: str) -> list[CitedParagraph]:
        """What the chunks of a document cite, in the order of its chunks."""
        return self._store.document_citations(doc_id)

    def citations_unread(self) -> list[str]:
        """The documents whose citations have not been recorded (stored by an older version)."""
        return self._store.citations_unread()

    def citing(self, keys: Iterable[str]) -> list[tuple[str, int, int]]:
        """(cited key, paragraph, citing chunk id) for every recorded citation of the decisions `keys`
        (application numbers, ECLIs)."""
        return self._store.citing(keys)

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of `ids`, in that order."""
        return self._store.vectors(ids)

    def article_chunks(self, article: str, filters: Filters = Filters()) -> list[tuple[StoredChunk, str]]:
        """The chunks of Article `article` of every statute, in order, each with its statute's title and citation."""
        return self._store.article_chunks(article, filters)

    def case_documents(self, keys: Collection[str]) -> list[Document]:
        """The judgments that any of `keys` (an application number, a CJEU case number or an ECLI) identifies."""
        return self._store.case_documents(keys)

    def numbered_paragraphs(self, doc_ids: Collection[str], paragraphs: Collection[str]) -> list[StoredChunk]:
        """The chunks of `doc_ids` numbered `paragraphs` (not of separate opinions), in order."""
        return self._store.numbered_paragraphs(doc_ids, paragraphs)

    def mentions(self, word: str) -> bool:
        """Whether any chunk contains `word` (as the lexical search's tokenizer sees words)."""
        return self._store.mentions(word)

    def chunk_count(self) -> int:
        """The number of chunks stored (`len()` is the number the dense search holds; they agree)."""
        return self._store.count_chunks()

    # -- search

    def dense_search(
        self, query: np.ndarray, k: int, filters: Filters = Filters(), exact: bool = False
    ) -> list[tuple[int, float]]:
        """The k chunks nearest to `query` (a normalised vector) with their cosine, best first; `exact` scans
        every vector even where the index is approximate (to measure it)."""
        if not filters:
            return self._vectors.search(query, k, exact=exact)
        # Most filters (a kind, a court) allow most of the corpus: keep the allowed hits of a deeper search
        # rather than list every allowed id for FAISS (1 s at a million chunks). A narrow filter (a document,
        # a rare language) leaves too few of them: then list its ids, which are few.
        deeper = self._vectors.search(query, k * FILTER_DEPTH, exact=exact)
        admitted = set(self._store.filtered_ids(filters, among=[i for i, _ in deeper]).tolist())
        hits = [hit for hit in deeper if hit[0] in admitted][:k]
        if len(hits) == k or len(deeper) < k * FILTER_DEPTH:
            return hits
        return self._vectors.search(query, k, self._store.filtered_ids(filters), exact)

    @property
    def approximate(self) -> bool:
        """Whether the dense search is approximate (an inverted file, for large indexes; see index/vectors.py)."""
        return self._vectors.approximate

    def lexical_search(self, terms: Sequence[str], k: int, filters: Filters = Filters()) -> list[tuple[int, float]]:
        """The k chunks that best match any of `terms` (words, or phrases of words side by side) by BM25 over
        their text and, at half weight, their title, citation and headings; with their score (higher is better)."""
        return self._store.lexical_search(terms, k, filters)

    def __len__(self) -> int:
        return len(self._vectors)
