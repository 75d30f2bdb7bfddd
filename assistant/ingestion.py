"""Adding files to an index: find them, read and chunk them, embed the chunks, store each document whole."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.records import FileOutcome, Status
from assistant.settings import Settings
from index.address import Index
from index.embedder import Embedder
from ingest.chunking import chunk_blocks
from ingest.citations import cited_paragraphs
from ingest.errors import AssistantError, UnreadableDocument
from ingest.isolation import IsolatedReader
from ingest.metadata import MANIFEST_NAME, from_declared, from_manifest_row, infer, read_manifest, resolve
from ingest.reader import load_source
from ingest.records import Chunk, CitedParagraph, Document, Metadata, PageCallback, ParsedDocument, SourceFile
from ingest.sentences import TokenBudget


@dataclass(frozen=True)
class Progress:
    """How far an ingest has come: `stage` is "reading" (files) or "embedding" (chunks).

    While a file is read, `pages_done` of `pages_total` say how far into it (ingest/records.py's PageCallback).
    """

    stage: str
    done: int
    total: int
    documents_done: int = 0
    documents_total: int = 0
    pages_done: int = 0
    pages_total: int = 0


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: one outcome per file, in the order the files were found."""

    outcomes: tuple[FileOutcome, ...]
    seconds: float

    def named(self, status: Status) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status is status]

    @property
    def added(self) -> list[str]:
        return [outcome.doc_id for outcome in self.named(Status.ADDED)]

    @property
    def replaced(self) -> list[str]:
        return [outcome.doc_id for outcome in self.named(Status.REPLACED)]

    @property
    def unchanged(self) -> list[str]:
        return [outcome.doc_id for outcome in self.named(Status.UNCHANGED)]

    @property
    def duplicates(self) -> list[tuple[str, str]]:
        """(file, id of the document that already holds its content)."""
        return [(outcome.name, outcome.doc_id) for outcome in self.named(Status.DUPLICATE)]

    @property
    def failed(self) -> list[tuple[str, str]]:
        """(file, why it could not be ingested)."""
        return [(outcome.name, outcome.reason) for outcome in self.named(Status.FAILED)]

    @property
    def chunks(self) -> int:
        """Chunks stored."""
        return sum(outcome.chunks for outcome in self.outcomes)

    @property
    def reused(self) -> int:
        """Chunks stored with the vector the replaced version of their file had (not embedded again)."""
        return sum(outcome.reused for outcome in self.outcomes)


@dataclass(frozen=True)
class _Prepared:
    """A file read and chunked, waiting to be embedded."""

    position: int  # in the list of files found
    document: Document  # its doc_id is the one wanted; the index may make it unique
    chunks: list[Chunk]
    texts: list[str]  # what is embedded for each chunk
    cited: list[CitedParagraph]  # the paragraphs of other decisions its chunks cite


def ingest(
    paths: Iterable[Path],
    index: Index,
    embedder: Embedder,
    reader: IsolatedReader,
    settings: Settings,
    on_progress: ProgressCallback | None = None,
    metadata: dict[str, object] | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively) into `index`. Bad files are reported, never fatal.

    `metadata` overrides what is known of every file (the web app's upload form).
    """
    started = time.perf_counter()
    manifests = _Manifests()
    files, outcomes = _discover(paths, manifests)
    budget = chunk_budget(embedder, settings)
    prepared: list[_Prepared] = []
    twins: dict[int, _Prepared] = {}  # files whose content another file of this run has, by position
    for position, (path, root) in enumerate(files):
        try:
            source = load_source(path)
            known = _already_indexed(source, index, bool(metadata))
            twin = next((item for item in prepared if item.document.content_hash == source.content_hash), None)
            if known:
                outcomes[position] = known
            elif twin:
                twins[position] = twin
            else:
                parsed = reader.read(source, _page_reporter(on_progress, position, len(files)))
                prepared.append(_prepare(position, source, parsed, root, embedder, settings, budget, manifests,
                                         metadata))
        except AssistantError as error:
            reason = error.reason if isinstance(error, UnreadableDocument) else str(error)
            outcomes[position] = FileOutcome(str(path), Status.FAILED, reason=reason)
        if on_progress:
            on_progress(Progress("reading", position + 1, len(files)))
    stored = _embed_and_store(prepared, index, embedder, settings, on_progress)
    for item in prepared:
        done = stored[item.position]
        status = Status.REPLACED if done.replaced else Status.ADDED
        outcomes[item.position] = FileOutcome(item.document.source, status, done.document, len(item.chunks),
                                              reused=done.reused)
    for position, twin in twins.items():
        outcomes[position] = FileOutcome(str(files[position][0]), Status.DUPLICATE, stored[twin.position].document)
    ordered = tuple(outcome for _, outcome in sorted(outcomes.items(), key=lambda pair: pair[0]))
    return IngestReport(ordered, time.perf_counter() - started)


def _page_reporter(on_progress: ProgressCallback | None, position: int, files: int) -> PageCallback | None:
    """The pages of the file at `position` as reading progress, between that file's start and its end."""
    if on_progress is None:
        return None
    return lambda done, total: on_progress(Progress("reading", position, files, pages_done=done, pages_total=total))


@dataclass(frozen=True)
class _Stored:
    document: Document  # as stored
    replaced: bool  # whether it replaced an older version of the same source
    reused: int  # chunks whose vectors that older version already had


def _embed_and_store(
    prepared: list[_Prepared], index: Index, embedder: Embedder, settings: Settings,
    on_progress: ProgressCallback | None,
) -> dict[int, _Stored]:
    """Embed the prepared files' chunks a window of files (about `settings.embed_window` chunks) at a time, and
    store each file whole; by position, what was stored.

    A chunk whose text (as embedded) the replaced version of its file had keeps that version's vector: a
    judgment corrected in one paragraph re-embeds one paragraph. Identical texts are embedded once.
    """
    total_chunks = sum(len(item.chunks) for item in prepared)
    done_chunks = documents_done = 0
    stored: dict[int, _Stored] = {}

    def report() -> None:
        if on_progress:
            on_progress(Progress("embedding", done_chunks, total_chunks, documents_done, len(prepared)))

    def advance(batch: int) -> None:
        nonlocal done_chunks
        done_chunks += batch
        report()

    try:
        for window in embedding_windows(prepared, settings.embed_window):
            older = {item.position: index.document_by_source(item.document.source) for item in window}
            previous = {item.position: _vectors_of(older[item.position], index, embedder, settings) for item in window}
            known = {text: vector for vectors in previous.values() for text, vector in vectors.items()}
            texts = [text for item in window for text in item.texts]
            missing = list(dict.fromkeys(text for text in texts if text not in known))
            advance(len(texts) - len(missing))
            known.update(zip(missing, embedder.embed_passages(missing, on_batch=advance)))
            for item in window:
                vectors = np.vstack([known[text] for text in item.texts])
                document = index.add(item.document, item.chunks, vectors, item.cited)
                reused = sum(text in previous[item.position] for text in item.texts)
                stored[item.position] = _Stored(document, older[item.position] is not None, reused)
                documents_done += 1
                report()
    finally:
        index.flush()
    return stored


def _vectors_of(
    document: Document | None, index: Index, embedder: Embedder, settings: Settings
) -> dict[str, np.ndarray]:
    """The vectors of a stored document's chunks, by the text they were embedded from."""
    if document is None:
        return {}
    chunks = index.document_chunks(document.doc_id)
    texts = [embedding_text(document.metadata, entry.chunk, settings, embedder.count_tokens) for entry in chunks]
    return dict(zip(texts, index.vectors([entry.id for entry in chunks])))


def embedding_windows(prepared: list[_Prepared], size: int) -> Iterator[list[_Prepared]]:
    """The files in order, grouped into runs of about `size` chunks (a larger file makes a run of its own)."""
    window: list[_Prepared] = []
    chunks = 0
    for item in prepared:
        if window and chunks + len(item.chunks) > size:
            yield window
            window, chunks = [], 0
        window.append(item)
        chunks += len(item.chunks)
    if window:
        yield window


def _discover(
    paths: Iterable[Path], manifests: _Manifests
) -> tuple[list[tuple[Path, Path]], dict[int, FileOutcome]]:
    """Every file to ingest with the folder it was found in (whose MANIFEST.tsv describes it), and the
    outcomes of the paths that cannot be ingested at all, by position (after the files)."""
    found: list[tuple[Path, Path]] = []
    unusable: list[tuple[Path, str]] = []  # (path, why)
    for given in map(Path, paths):
        try:
            path = given.expanduser().resolve(strict=True)
        except (OSError, RuntimeError) as error:  # missing, a broken link, or a link that leads back to itself
            unusable.append((given, _why_missing(given, error)))
            continue
        if path.is_dir():
            files = 0
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or child.name == MANIFEST_NAME:
                    continue
                if child.is_file():
                    found.append((child, path))
                    files += 1
                elif child.is_symlink() and not child.exists():
                    unusable.append((child, "a symbolic link to nothing (broken, or leading back to itself)"))
            if not files:
                unusable.append((path, "the folder holds no files to ingest (PDF, DOCX, HTML, TXT or MD)"))
        else:
            found.append((path, manifests.folder_describing(path)))
    outcomes = {
        len(found) + n: FileOutcome(str(path), Status.FAILED, reason=why) for n, (path, why) in enumerate(unusable)
    }
    return found, outcomes


def _why_missing(path: Path, error: Exception) -> str:
    if path.is_symlink():
        return "a symbolic link to nothing (broken, or leading back to itself)"
    return "no such file or folder"


class _Manifests:
    """The MANIFEST.tsv of each folder, read once per ingest."""

    def __init__(self):
        self._rows: dict[Path, dict[str, dict[str, str]]] = {}

    def rows(self, folder: Path) -> dict[str, dict[str, str]]:
        if folder not in self._rows:
            self._rows[folder] = read_manifest(folder)
        return self._rows[folder]

    def row(self, path: Path, root: Path) -> dict[str, str] | None:
        return self.rows(root).get(path.relative_to(root).as_posix())

    def folder_describing(self, path: Path, levels: int = 3) -> Path:
        """The nearest folder above a single file whose MANIFEST.tsv lists it (a file picked out of a corpus)."""
        for folder in list(path.parents)[:levels]:
            if self.row(path, folder) is not None:
                return folder
        return path.parent


def _already_indexed(source: SourceFile, index: Index, redescribed: bool) -> FileOutcome | None:
    """UNCHANGED when the index has this file as it is (and it is not given new metadata), DUPLICATE when it has
    its content from another file; else None."""
    name = str(source.path)
    existing = index.document_by_source(name)
    if existing and existing.content_hash == source.content_hash and not redescribed:
        return FileOutcome(name, Status.UNCHANGED, existing)
    twin = index.document_by_hash(source.content_hash)
    if twin and twin.source != name:
        return FileOutcome(name, Status.DUPLICATE, twin)
    return None


def _prepare(
    position: int, source: SourceFile, parsed: ParsedDocument, root: Path, embedder: Embedder, settings: Settings,
    budget: TokenBudget, manifests: _Manifests, override: dict[str, object] | None,
) -> _Prepared:
    """Describe and chunk one file read, and make the texts its chunks are embedded as."""
    row = manifests.row(source.path, root)
    meta = resolve(override or {}, from_manifest_row(row) if row else {}, from_declared(parsed.declared),
                   inferred=infer(parsed.blocks, source.path.relative_to(root)))
    chunks = chunk_blocks(parsed.blocks, meta.kind, budget)
    name = str(source.path)
    if not chunks:
        raise UnreadableDocument(name, "no text found in the file")
    # The index keeps the id of the document this one replaces, and makes a new one's id unique.
    document = Document(wanted_id(source.path), name, source.content_hash, source.format, meta)
    texts = [embedding_text(meta, chunk, settings, embedder.count_tokens) for chunk in chunks]
    cited = cited_paragraphs([chunk.text for chunk in chunks])
    return _Prepared(position, document, chunks, texts, cited)


def chunk_budget(embedder: Embedder, settings: Settings) -> TokenBudget:
    """Word pieces left for a chunk's text once the model's special tokens and the context are counted."""
    reserved = 2 + embedder.count_tokens(embedder.profile.passage_prefix)  # [CLS] and [SEP], and "passage: "
    if settings.embed_context != "none":
        reserved += settings.context_tokens
    return TokenBudget(embedder.count_tokens, embedder.max_tokens - reserved)


def embedding_text(meta: Metadata, chunk: Chunk, settings: Settings, count_tokens: Callable[[str], int]) -> str:
    """What the model reads for a chunk: the title and heading path (cut to the budget), then the text."""
    parts = {"title+heading": (meta.title, *chunk.heading), "heading": chunk.heading, "none": ()}
    context = " › ".join(parts[settings.embed_context])
    if not context:
        return chunk.text
    words = context.split()
    while words and count_tokens(" ".join(words)) > settings.context_tokens:
        words = words[: max(1, len(words) * 3 // 4)] if len(words) > 1 else []
    return f"{' '.join(words)}\n{chunk.text}" if words else chunk.text


def wanted_id(path: Path) -> str:
    """The id a new document read from `path` asks for: its file name, readable ("hirsi-jamaa-v-italy-gc-2012")."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:80] or "document"
