"""Adding files to an index: find them, read and chunk them, embed the chunks, store each document whole."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.settings import Settings
from index.corpus import CorpusIndex
from index.embedder import Embedder
from ingest.chunking import chunk_blocks
from ingest.errors import AssistantError, UnreadableDocument
from ingest.metadata import MANIFEST_NAME, from_declared, from_manifest_row, infer, read_manifest, resolve
from ingest.reader import file_format, read_document
from ingest.records import Chunk, Document, Metadata


@dataclass(frozen=True)
class Progress:
    """How far an ingest has come: `stage` is "reading" (files) or "embedding" (chunks)."""

    stage: str
    done: int
    total: int
    documents_done: int = 0
    documents_total: int = 0


ProgressCallback = Callable[[Progress], None]


@dataclass
class IngestReport:
    """What an ingest did, file by file."""

    added: list[str] = field(default_factory=list)  # doc ids
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, doc id already holding that content)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Prepared:
    document: Document
    chunks: list[Chunk]
    texts: list[str]  # what is embedded for each chunk
    replaces: bool


def ingest(
    paths: Iterable[Path],
    index: CorpusIndex,
    embedder: Embedder,
    settings: Settings,
    on_progress: ProgressCallback | None = None,
    metadata: dict[str, object] | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively) into `index`. Bad files are reported, never fatal.

    `metadata` overrides what is known of every file (the web app's upload form).
    """
    started = time.perf_counter()
    report = IngestReport()
    files = discover(paths, report)
    prepared: list[_Prepared] = []
    for number, (path, root) in enumerate(files, 1):
        try:
            item = _prepare(path, root, index, embedder, settings, metadata or {}, report, prepared)
            if item:
                prepared.append(item)
        except AssistantError as error:
            report.failed.append((str(path), error.reason if isinstance(error, UnreadableDocument) else str(error)))
        if on_progress:
            on_progress(Progress("reading", number, len(files)))
    total_chunks = sum(len(item.chunks) for item in prepared)
    done_chunks = 0
    try:
        for number, item in enumerate(prepared, 1):

            def advance(batch: int) -> None:
                nonlocal done_chunks
                done_chunks += batch
                if on_progress:
                    on_progress(Progress("embedding", done_chunks, total_chunks, number - 1, len(prepared)))

            vectors = embedder.embed_passages(item.texts, on_batch=advance)
            index.add(item.document, item.chunks, vectors)
            (report.replaced if item.replaces else report.added).append(item.document.doc_id)
            report.chunks += len(item.chunks)
            if on_progress:
                on_progress(Progress("embedding", done_chunks, total_chunks, number, len(prepared)))
    finally:
        index.flush()
    report.seconds = time.perf_counter() - started
    return report


def discover(paths: Iterable[Path], report: IngestReport) -> list[tuple[Path, Path]]:
    """Every file to ingest with the folder it was found in (whose MANIFEST.tsv describes it)."""
    found: list[tuple[Path, Path]] = []
    for path in map(Path, paths):
        path = path.expanduser().resolve()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if child.is_file() and not any(part.startswith(".") for part in relative.parts):
                    if child.name != MANIFEST_NAME:
                        found.append((child, path))
        elif path.is_file():
            found.append((path, _described_by(path)))
        else:
            report.failed.append((str(path), "no such file or folder"))
    return found


def _described_by(path: Path, levels: int = 3) -> Path:
    """The nearest folder above a single file whose MANIFEST.tsv lists it (a file picked out of a corpus)."""
    for folder in list(path.parents)[:levels]:
        if path.relative_to(folder).as_posix() in read_manifest(folder):
            return folder
    return path.parent


def _prepare(
    path: Path, root: Path, index: CorpusIndex, embedder: Embedder, settings: Settings,
    override: dict[str, object], report: IngestReport, pending: list[_Prepared],
) -> _Prepared | None:
    """Read and chunk one file, or return None when the index (or this run: `pending`) already has it."""
    fmt = file_format(path)
    data = path.read_bytes()
    content_hash = hashlib.sha256(data).hexdigest()
    source = str(path)
    existing = index.store.document_by_source(source)
    if existing and existing.content_hash == content_hash and not override:
        report.unchanged.append(existing.doc_id)
        return None
    twin = index.store.document_by_hash(content_hash) or next(
        (item.document for item in pending if item.document.content_hash == content_hash), None
    )
    if twin and twin.source != source:
        report.duplicates.append((source, twin.doc_id))
        return None
    parsed = read_document(path)
    relative = path.relative_to(root)
    row = read_manifest(root).get(relative.as_posix())
    meta = resolve(override, from_manifest_row(row) if row else {}, from_declared(parsed.declared),
                   inferred=infer(parsed.blocks, relative))
    chunks = chunk_blocks(parsed.blocks, meta.kind, embedder.count_tokens, chunk_token_budget(embedder, settings))
    if not chunks:
        raise UnreadableDocument(source, "no text found in the file")
    taken = {item.document.doc_id for item in pending}  # ids given in this run, not stored yet
    doc_id = existing.doc_id if existing else _new_doc_id(path, fmt, index, taken)
    document = Document(doc_id=doc_id, source=source, content_hash=content_hash, format=fmt, metadata=meta)
    texts = [embedding_text(meta, chunk, settings, embedder.count_tokens) for chunk in chunks]
    return _Prepared(document, chunks, texts, replaces=existing is not None)


def chunk_token_budget(embedder: Embedder, settings: Settings) -> int:
    """Word pieces left for a chunk's text once the model's special tokens and the context are counted."""
    reserved = 2 + embedder.count_tokens(embedder.profile.passage_prefix)  # [CLS] and [SEP], and "passage: "
    if settings.embed_context != "none":
        reserved += settings.context_tokens
    return embedder.max_tokens - reserved


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


def _new_doc_id(path: Path, fmt: str, index: CorpusIndex, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:80] or "document"
    candidates = [base, f"{base}-{fmt}"] + [f"{base}-{fmt}-{n}" for n in range(2, 1000)]
    for candidate in candidates:
        if candidate not in taken and not index.store.doc_id_taken(candidate):
            return candidate
    raise AssistantError(f"{path}: too many documents named {base!r}")

