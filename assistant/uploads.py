"""What the web app adds to the corpus: uploaded files, checked, copied into the user's data folder under their
content hash, and ingested; and documents fetched from a web address (assistant.fetch).

The name a browser sends is the user's, not ours: it is shown back to the user, and its suffix is checked
against the allowed types, but it is never part of a path on this machine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePath

from assistant.core import Assistant
from assistant.fetch import HASH_DIGITS, fetch
from assistant.ingestion import IngestReport, Progress
from assistant.settings import Settings
from index.corpus import CorpusIndex
from ingest.errors import AssistantError, FetchError
from ingest.records import Document

MB = 1024 * 1024  # Gradio's "mb" for max_file_size: one limit, counted the same way on both sides


class UploadRefused(AssistantError):
    """An uploaded file is of a type or size the app does not take; `reason` says which and what is allowed."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: where the web server saved it, and the name the user's file had."""

    path: Path
    name: str


@dataclass(frozen=True)
class UploadResult:
    """What became of one uploaded file, or of one web address."""

    name: str  # the user's file name or web address, for display
    status: str  # "added", "replaced", "unchanged", "duplicate", "failed", "refused" or "not fetched"
    reason: str = ""  # why it failed or was refused
    document: Document | None = None  # the document it became, or the one that already held its content
    chunks: int = 0


def uploads_folder(settings: Settings) -> Path:
    return settings.home / "uploads"


def store_upload(upload: Upload, settings: Settings) -> Path:
    """Check an upload's type and size, then copy it to HOME/uploads/<content hash><suffix>.

    Raises UploadRefused for a type not in `settings.upload_types` or a file over `settings.max_upload_mb`.
    """
    suffix = PurePath(upload.name).suffix.lower()
    if suffix not in settings.allowed_upload_suffixes:
        accepted = ", ".join(s.lstrip(".").upper() for s in settings.allowed_upload_suffixes)
        kind = f"{suffix.lstrip('.').upper()} files" if suffix else "files without a type (no .pdf, .txt… ending)"
        raise UploadRefused(upload.name, f"{kind} cannot be added; the accepted types are {accepted}")
    size = upload.path.stat().st_size
    if size > settings.max_upload_mb * MB:
        raise UploadRefused(
            upload.name, f"the file is {size / MB:.1f} MB; files up to {settings.max_upload_mb:g} MB can be added"
        )
    digest = hashlib.sha256()
    with open(upload.path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    folder = uploads_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest.hexdigest()[:HASH_DIGITS]}{suffix}"
    if not target.exists():
        # Copy beside the target, then rename: a reader never sees half a file under the final name.
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
        os.close(descriptor)
        shutil.copyfile(upload.path, temporary)
        os.replace(temporary, target)
    return target


def add_uploads(
    assistant: Assistant,
    uploads: Sequence[Upload],
    metadata: dict | None = None,
    on_progress: Callable[[int, Progress], None] | None = None,
) -> list[UploadResult]:
    """Store and ingest uploaded files one by one, so that each gets its own result.

    `on_progress(number, progress)` reports the ingest of the file at position `number` in `uploads`.
    """
    results = []
    for number, upload in enumerate(uploads):
        try:
            path = store_upload(upload, assistant.settings)
        except UploadRefused as error:
            results.append(UploadResult(upload.name, "refused", error.reason))
            continue
        progress = partial(on_progress, number) if on_progress else None
        report = assistant.ingest([path], progress, metadata or None)
        results.append(_result(upload.name, report, assistant.index))
    return results


def add_from_web(assistant: Assistant, url: str) -> UploadResult:
    """Download the document at `url` and ingest it (assistant.fetch.fetch), its outcome as an upload's.

    Private and loopback addresses are refused unless the assistant's settings allow them (allow_private).
    """
    try:
        fetched = fetch(assistant, url)
    except FetchError as error:
        return UploadResult(url, "not fetched", error.reason)
    document, chunks = next((d, n) for d, n in assistant.index.documents() if d.doc_id == fetched.doc_id)
    return UploadResult(url, fetched.status, document=document, chunks=chunks)


def _result(name: str, report: IngestReport, index: CorpusIndex) -> UploadResult:
    if report.failed:
        return UploadResult(name, "failed", report.failed[0][1])
    if report.duplicates:
        return UploadResult(name, "duplicate", document=index.document(report.duplicates[0][1]))
    outcomes = (("added", report.added), ("replaced", report.replaced), ("unchanged", report.unchanged))
    for status, doc_ids in outcomes:
        if doc_ids:
            return UploadResult(name, status, document=index.document(doc_ids[0]), chunks=report.chunks)
    raise AssertionError(f"an ingest of one file reports what became of it: {report}")


def forget_upload(document: Document, settings: Settings) -> None:
    """Delete the stored copy of an uploaded document that was removed from the index (others are left alone)."""
    source = Path(document.source)
    if source.parent == uploads_folder(settings).resolve():
        source.unlink(missing_ok=True)
