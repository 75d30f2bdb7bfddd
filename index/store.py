"""SQLite: documents, chunks, their vectors and the FTS5 lexical index, changed one document per transaction.

SQLite is the index's source of truth. The FAISS file is a cache of the `vector` column that can always be
rebuilt from it, so a crash between the two never loses or mismatches anything.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.errors import StorageError
from index.records import (
    LEXICAL_WEIGHTS,
    Filters,
    ListedDocument,
    StoredChunk,
    id_candidates,
    lexical_context,
)
from ingest.records import Chunk, CitedParagraph, Document, Metadata

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    citation TEXT NOT NULL,
    court TEXT NOT NULL,
    date TEXT NOT NULL,
    language TEXT NOT NULL,
    application_numbers TEXT NOT NULL,
    case_numbers TEXT NOT NULL,
    ecli TEXT NOT NULL,
    celex TEXT NOT NULL,
    url TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading TEXT NOT NULL,
    paragraph TEXT,
    article TEXT,
    opinion TEXT,
    page INTEGER,
    part INTEGER NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);
-- A question citing an Article looks it up in every statute: without it, a scan (1 s at a million chunks).
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article);
-- What each change did to the chunks, so that every process patches its FAISS cache instead of rebuilding it.
CREATE TABLE IF NOT EXISTS changes (
    generation INTEGER PRIMARY KEY,
    added TEXT NOT NULL,
    removed TEXT NOT NULL
);
-- The paragraphs of other decisions each chunk cites ("cited" an application number or ECLI), and which
-- documents have been read for them (an index made before this table is read once, when it is opened).
CREATE TABLE IF NOT EXISTS citations (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    cited TEXT NOT NULL,
    paragraph INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS citations_cited ON citations(cited, paragraph);
CREATE INDEX IF NOT EXISTS citations_chunk ON citations(chunk_id);
CREATE TABLE IF NOT EXISTS citations_read (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, context, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

# How many changes the log keeps: a process further behind than this rebuilds its FAISS cache from the vectors.
KEPT_CHANGES = 10_000
_BATCH = 10_000  # ids per query
# A term found in more chunks than this is left out of the lexical search: FTS5 scores every chunk that matches
# any term, which took 0.5 s a question at a million chunks, and such a term weighs little in BM25 (idf below
# ln(N / COMMON_ROWS)) where the dense search already has its meaning. No term reaches it below 10,000 chunks.
COMMON_ROWS = 10_000

# The columns _document reads, in its order.
_DOCUMENT_FIELDS = (
    "doc_id", "source", "content_hash", "format", "kind", "title", "citation", "court", "date", "language",
    "application_numbers", "case_numbers", "ecli", "celex", "url",
)
_DOCUMENT_COLUMNS = ", ".join(_DOCUMENT_FIELDS)


def _where(filters: Filters) -> tuple[str, list[str]]:
    """A WHERE clause over `documents d` for `filters`, and its parameters."""
    clauses, params = [], []
    if filters.kinds:
        kinds = f"d.kind IN ({','.join('?' * len(filters.kinds))})"
        if "case-law" in filters.kinds:  # and the notes on a case, which name its number
            kinds = f"({kinds} OR (d.kind = 'note' AND (d.application_numbers != '[]' OR d.case_numbers != '[]')))"
        clauses.append(kinds)
        params += filters.kinds
    if filters.court:
        clauses.append("d.court LIKE ?")
        params.append(f"%{filters.court}%")
    if filters.language:
        clauses.append("d.language = ?")
        params.append(filters.language)
    if filters.date_from:
        clauses.append("d.date != '' AND d.date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        clauses.append("d.date != '' AND d.date <= ?")
        params.append(filters.date_to)
    if filters.doc_ids:
        clauses.append(f"d.doc_id IN ({','.join('?' * len(filters.doc_ids))})")
        params += filters.doc_ids
    return (" AND ".join(clauses) or "1"), params


class Store:
    """The SQLite half of an index folder. Safe to share between threads: one connection per thread."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._db().executescript(SCHEMA)  # idempotent; executescript commits on its own

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # readers keep reading while a document is written
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write, whole or not at all; a disk that refuses it raises StorageError (nothing is changed)."""
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as error:
            name = getattr(error, "sqlite_errorname", "")
            if name == "SQLITE_FULL":
                raise StorageError(f"the disk of {self.path.parent} is full: nothing was changed; free some space "
                                   "and try again") from error
            if name.startswith(("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")):
                raise StorageError(f"the disk refused to write to {self.path.parent} ({error}): nothing was "
                                   "changed") from error
            raise

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- generation: bumped by every change, with what it did, so that each FAISS cache can follow

    def generation(self) -> int:
        return _generation(self._db())

    @staticmethod
    def _log(db: sqlite3.Connection, added: list[int], removed: list[int]) -> None:
        """Bump the generation and record what the change did to the chunks (in the change's transaction)."""
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        generation = _generation(db)
        db.execute("INSERT INTO changes(generation, added, removed) VALUES (?, ?, ?)",
                   (generation, json.dumps(added), json.dumps(removed)))
        db.execute("DELETE FROM changes WHERE generation <= ?", (generation - KEPT_CHANGES,))

    def changes_since(self, generation: int) -> Changes | None:
        """What the changes after `generation` did, as one patch; None when the log no longer reaches back."""
        db = self._db()
        db.execute("BEGIN")  # one snapshot: the log and the vectors it names, as of one moment
        try:
            current = _generation(db)
            rows = db.execute(
                "SELECT generation, added, removed FROM changes WHERE generation > ? ORDER BY generation",
                (generation,),
            ).fetchall()
            if [row[0] for row in rows] != list(range(generation + 1, current + 1)):
                return None
            state: dict[int, bool] = {}  # chunk id -> present after the changes
            for _, added, removed in rows:
                state.update(dict.fromkeys(json.loads(removed), False))
                state.update(dict.fromkeys(json.loads(added), True))
            present = sorted(chunk_id for chunk_id, kept in state.items() if kept)
            return Changes(current, sorted(state), np.array(present, dtype=np.int64), self.vectors(present))
        finally:
            db.execute("COMMIT")

    # -- documents

    def document(self, doc_id: str) -> Document | None:
        return self._document_where("doc_id", doc_id)

    def document_by_source(self, source: str) -> Document | None:
        return self._document_where("source", source)

    def document_by_hash(self, content_hash: str) -> Document | None:
        return self._document_where("content_hash", content_hash)

    def _document_where(self, column: str, value: str) -> Document | None:
        row = self._db().execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE {column} = ? LIMIT 1", (value,)
        ).fetchone()
        return _document(row) if row else None

    def documents_by_id(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The documents of `doc_ids` (those that exist), in one query."""
        doc_ids = list(doc_ids)
        rows = self._db().execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id IN ({','.join('?' * len(doc_ids))})", doc_ids
        ).fetchall()
        return {row[0]: _document(row) for row in rows}

    def documents(self) -> list[ListedDocument]:
        """Every document with its chunk count, by kind then title."""
        rows = self._db().execute(
            f"SELECT {', '.join('d.' + name for name in _DOCUMENT_FIELDS)}, "
            "(SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id) "
            "FROM documents d ORDER BY d.kind, d.title"
        ).fetchall()
        return [ListedDocument(_document(row[:-1]), row[-1]) for row in rows]

    def put_document(
        self, document: Document, chunks: list[Chunk], vectors: np.ndarray, cited: Sequence[CitedParagraph] = ()
    ) -> Document:
        """Insert a document, replacing one from the same source, in one transaction; return it as stored.

        The document keeps the id of the one it replaces; a new one gets `document.doc_id` if it is free, else the
        first free of "<id>-<format>", "<id>-<format>-2"... (chosen inside the transaction, so that two writers
        never take the same).
        """
        meta = document.metadata
        with self.transaction() as db:
            old = db.execute("SELECT doc_id FROM documents WHERE source = ?", (document.source,)).fetchone()
            removed = self._delete(db, old[0]) if old else []
            document = replace(document, doc_id=old[0] if old else _free_id(db, document))
            db.execute(
                f"INSERT INTO documents({_DOCUMENT_COLUMNS}) VALUES ({','.join('?' * 15)})",
                (
                    document.doc_id, document.source, document.content_hash, document.format, meta.kind,
                    meta.title, meta.citation, meta.court, meta.date, meta.language,
                    json.dumps(meta.application_numbers), json.dumps(meta.case_numbers),
                    meta.ecli, meta.celex, meta.url,
                ),
            )
            ids = []
            for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors)):
                cursor = db.execute(
                    "INSERT INTO chunks(doc_id, ordinal, text, heading, paragraph, article, opinion, page, part, "
                    "vector) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        document.doc_id, ordinal, chunk.text, json.dumps(chunk.heading, ensure_ascii=False),
                        chunk.paragraph, chunk.article, chunk.opinion, chunk.page, chunk.part,
                        np.asarray(vector, dtype=np.float32).tobytes(),
                    ),
                )
                ids.append(cursor.lastrowid)
                db.execute(
                    "INSERT INTO chunks_fts(rowid, text, context) VALUES (?, ?, ?)",
                    (cursor.lastrowid, chunk.text, lexical_context(document, chunk)),
                )
            self._put_citations(db, document.doc_id, ids, cited)
            self._log(db, ids, removed)
        return document

    def put_citations(self, doc_id: str, cited: Sequence[CitedParagraph]) -> None:
        """Record what a stored document's chunks cite (replacing what was recorded)."""
        with self.transaction() as db:
            if not db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone():
                return  # removed meanwhile
            ids = [row[0] for row in db.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]
            db.execute(f"DELETE FROM citations WHERE chunk_id IN ({','.join('?' * len(ids))})", ids)
            self._put_citations(db, doc_id, ids, cited)

    @staticmethod
    def _put_citations(db: sqlite3.Connection, doc_id: str, ids: list[int], cited: Sequence[CitedParagraph]) -> None:
        db.executemany(
            "INSERT INTO citations(chunk_id, cited, paragraph) VALUES (?, ?, ?)",
            ((ids[c.ordinal], c.key, c.paragraph) for c in cited),
        )
        db.execute("INSERT OR IGNORE INTO citations_read(doc_id) VALUES (?)", (doc_id,))

    def document_citations(self, doc_id: str) -> list[CitedParagraph]:
        """What the chunks of a document cite, in the order of its chunks."""
        return [CitedParagraph(*row) for row in self._db().execute(
            "SELECT c.ordinal, t.cited, t.paragraph FROM citations t JOIN chunks c ON c.id = t.chunk_id "
            "WHERE c.doc_id = ? ORDER BY c.ordinal, t.rowid", (doc_id,)
        )]

    def citations_unread(self) -> list[str]:
        """The documents not yet read for what they cite."""
        return [row[0] for row in self._db().execute(
            "SELECT doc_id FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM citations_read)"
        )]

    def citing(self, keys: Iterable[str]) -> list[tuple[str, int, int]]:
        """(cited key, paragraph, citing chunk id) for every citation of the decisions `keys`."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        return self._db().execute(
            f"SELECT cited, paragraph, chunk_id FROM citations WHERE cited IN ({','.join('?' * len(keys))})", keys
        ).fetchall()

    def delete_document(self, doc_id: str) -> None:
        """Delete a document and its chunks."""
        with self.transaction() as db:
            self._log(db, [], self._delete(db, doc_id))

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> list[int]:
        ids = [row[0] for row in db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
        db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", ((i,) for i in ids))
        db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return ids

    # -- chunks

    def chunks(self, ids: Iterable[int]) -> dict[int, StoredChunk]:
        ids = list(ids)
        if not ids:
            return {}
        rows = self._db().execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks "
            f"WHERE id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
        return {row[0]: _stored_chunk(row) for row in rows}

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks, in order."""
        rows = self._db().execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        ).fetchall()
        return [_stored_chunk(row) for row in rows]

    def around(self, places: Iterable[tuple[str, int]], radius: int) -> dict[tuple[str, int], list[StoredChunk]]:
        """For each (doc id, ordinal), the chunks of that document within `radius` of it, in order; one query."""
        places = list(dict.fromkeys(places))
        if not places:
            return {}
        rows = self._db().execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE "
            + " OR ".join(["(doc_id = ? AND ordinal BETWEEN ? AND ?)"] * len(places))
            + " ORDER BY doc_id, ordinal",
            [value for doc_id, ordinal in places for value in (doc_id, ordinal - radius, ordinal + radius)],
        ).fetchall()
        stored = [_stored_chunk(row) for row in rows]
        return {
            (doc_id, ordinal): [c for c in stored if c.doc_id == doc_id and abs(c.ordinal - ordinal) <= radius]
            for doc_id, ordinal in places
        }

    def vectors(self, ids: list[int]) -> np.ndarray:
        """The stored vectors of `ids`, in that order."""
        if not ids:
            return np.zeros((0, 0), dtype=np.float32)
        rows = {}
        for start in range(0, len(ids), _BATCH):  # SQLite takes a bounded number of parameters
            batch = ids[start : start + _BATCH]
            rows.update(
                self._db().execute(f"SELECT id, vector FROM chunks WHERE id IN ({','.join('?' * len(batch))})", batch)
            )
        return np.vstack([np.frombuffer(rows[i], dtype=np.float32) for i in ids])

    def all_vectors(self, batch: int = 20000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) in batches: what the FAISS cache is rebuilt from."""
        last = -1
        while True:
            rows = self._db().execute(
                "SELECT id, vector FROM chunks WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            ids = np.array([row[0] for row in rows], dtype=np.int64)
            yield ids, np.vstack([np.frombuffer(row[1], dtype=np.float32) for row in rows])

    def count_chunks(self) -> int:
        return self._db().execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def filtered_ids(self, filters: Filters, among: Sequence[int] | None = None) -> np.ndarray:
        """The ids of the chunks (of `among`, when given) whose documents pass `filters`."""
        where, params = _where(filters)
        query = f"SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE {where}"
        if among is None:
            return np.array([row[0] for row in self._db().execute(query, params)], dtype=np.int64)
        found = []
        for start in range(0, len(among), _BATCH):  # SQLite takes a bounded number of parameters
            batch = list(among[start:start + _BATCH])
            found += [row[0] for row in self._db().execute(
                f"{query} AND c.id IN ({','.join('?' * len(batch))})", [*params, *batch]
            )]
        return np.array(found, dtype=np.int64)

    def article_chunks(self, article: str, filters: Filters) -> list[tuple[StoredChunk, str]]:
        """The chunks of every statute's Article `article`, in order, each with its document's title and
        citation (to tell which statute a question means)."""
        where, params = _where(filters)
        rows = self._db().execute(
            f"SELECT {', '.join('c.' + name for name in _CHUNK_FIELDS)}, d.title || ' ' || d.citation "
            "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
            f"WHERE d.kind = 'statute' AND c.article = ? AND {where} ORDER BY c.doc_id, c.ordinal",
            [article, *params],
        ).fetchall()
        return [(_stored_chunk(row[:-1]), row[-1]) for row in rows]

    def case_documents(self, keys: Collection[str]) -> list[Document]:
        """The judgments that any of `keys` (an application number, a CJEU case number or an ECLI) identifies."""
        keys = list(keys)
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self._db().execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.kind = 'case-law' AND (d.ecli IN ({marks}) "
            f"OR EXISTS (SELECT 1 FROM json_each(d.application_numbers) WHERE value IN ({marks})) "
            f"OR EXISTS (SELECT 1 FROM json_each(d.case_numbers) WHERE value IN ({marks})))",
            [*keys, *keys, *keys],
        ).fetchall()
        return [_document(row) for row in rows]

    def numbered_paragraphs(self, doc_ids: Collection[str], paragraphs: Collection[str]) -> list[StoredChunk]:
        """The chunks of `doc_ids` numbered `paragraphs` (not of separate opinions), in order."""
        doc_ids, paragraphs = list(doc_ids), list(paragraphs)
        if not doc_ids or not paragraphs:
            return []
        rows = self._db().execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id IN ({','.join('?' * len(doc_ids))}) "
            f"AND paragraph IN ({','.join('?' * len(paragraphs))}) AND opinion IS NULL ORDER BY doc_id, ordinal",
            [*doc_ids, *paragraphs],
        ).fetchall()
        return [_stored_chunk(row) for row in rows]

    def mentions(self, word: str) -> bool:
        """Whether any chunk contains `word` (after the FTS tokenizer's stemming)."""
        match = self._db().execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", (_phrase(word),))
        return match.fetchone() is not None

    def lexical_search(self, terms: Sequence[str], limit: int, filters: Filters) -> list[tuple[int, float]]:
        """FTS5 BM25 over chunk text (weight 1) and title/citation/heading (weight 0.5); best first."""
        terms = [term for term in terms if 0 < self._rows_matching(term) <= COMMON_ROWS]
        if not terms:
            return []
        match = " OR ".join(_phrase(term) for term in terms)
        where, params = _where(filters)
        # Joined only to filter: FTS5 alone ranks about twice as fast.
        joins = "JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.doc_id = c.doc_id " if filters else ""
        rows = self._db().execute(
            f"SELECT f.rowid, bm25(chunks_fts, {LEXICAL_WEIGHTS['text']}, {LEXICAL_WEIGHTS['context']}) AS score "
            f"FROM chunks_fts f {joins}"
            f"WHERE chunks_fts MATCH ? AND {where} ORDER BY score LIMIT ?",
            [match, *params, limit],
        ).fetchall()
        # FTS5's bm25() is negative, lower is better: flip it so higher is better like cosine.
        return [(row[0], -row[1]) for row in rows]

    def _rows_matching(self, term: str) -> int:
        """How many chunks contain `term`, counted up to COMMON_ROWS + 1 (which costs no more than that)."""
        return self._db().execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
            (_phrase(term), COMMON_ROWS + 1),
        ).fetchone()[0]


@dataclass(frozen=True)
class Changes:
    """What a run of changes did to the chunks: patch a FAISS cache by removing `touched`, then adding `added`."""

    generation: int  # the generation after them
    touched: list[int]  # every chunk id added or removed
    added: np.ndarray  # the ids present afterwards, and their vectors
    vectors: np.ndarray


def _generation(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _phrase(term: str) -> str:
    """A term as an FTS5 phrase: quoted (quotes inside dropped), so that nothing in it is read as an operator."""
    return '"' + term.replace('"', "") + '"'


def _free_id(db: sqlite3.Connection, document: Document) -> str:
    for candidate in id_candidates(document):
        if db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (candidate,)).fetchone() is None:
            return candidate
    raise StorageError(f"too many documents named {document.doc_id!r}: rename the file")


def _document(row: tuple) -> Document:
    (doc_id, source, content_hash, fmt, kind, title, citation, court, date, language,
     application_numbers, case_numbers, ecli, celex, url) = row
    metadata = Metadata(
        kind=kind, title=title, citation=citation, court=court, date=date, language=language,
        application_numbers=tuple(json.loads(application_numbers)), case_numbers=tuple(json.loads(case_numbers)),
        ecli=ecli, celex=celex, url=url,
    )
    return Document(doc_id=doc_id, source=source, content_hash=content_hash, format=fmt, metadata=metadata)


# The columns _stored_chunk reads, in its order.
_CHUNK_FIELDS = ("id", "doc_id", "ordinal", "text", "heading", "paragraph", "article", "opinion", "page", "part")
_CHUNK_COLUMNS = ", ".join(_CHUNK_FIELDS)


def _stored_chunk(row: tuple) -> StoredChunk:
    chunk_id, doc_id, ordinal, text, heading, paragraph, article, opinion, page, part = row
    chunk = Chunk(
        text=text, heading=tuple(json.loads(heading)), paragraph=paragraph, article=article,
        opinion=opinion, page=page, part=part,
    )
    return StoredChunk(id=chunk_id, doc_id=doc_id, ordinal=ordinal, chunk=chunk)
