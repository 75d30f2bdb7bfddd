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
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path, PurePath

from assistant.core import Assistant
from assistant.errors import FetchError, UploadRefused
from assistant.fetch.fetcher import HASH_DIGITS, fetch
from assistant.ingestion import Progress
from assistant.records import FileOutcome, Status
from assistant.settings import Settings

MB = 1024 * 1024  # Gradio's "mb" for max_file_size: one limit, counted the same way on both sides


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: where the web server saved it, and the name the user's file had."""

    path: Path
    name: str


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
    folder = settings.uploads
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest.hexdigest()[:HASH_DIGITS]}{suffix}"
    if not target.exists():
        # Copy beside the target, then rename: a reader never sees half a file under the final name.
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
        os.close(descriptor)
        try:
            shutil.copyfile(upload.path, temporary)
            os.replace(temporary, target)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise UploadRefused(upload.name, f"the server could not keep a copy of it ({error.strerror})") from error
    return target


def add_uploads(
    assistant: Assistant,
    uploads: Sequence[Upload],
    metadata: dict | None = None,
    on_progress: Callable[[int, Progress], None] | None = None,
) -> list[FileOutcome]:
    """Store and ingest uploaded files one by one, so that each gets its own outcome (named as the user's file).

    `on_progress(number, progress)` reports the ingest of the file at position `number` in `uploads`.
    """
    outcomes = []
    for number, upload in enumerate(uploads):
        try:
            path = store_upload(upload, assistant.settings)
        except UploadRefused as error:
            outcomes.append(FileOutcome(upload.name, Status.REFUSED, reason=error.reason))
            continue
        progress = partial(on_progress, number) if on_progress else None
        (outcome,) = assistant.ingest([path], progress, metadata or None).outcomes
        if outcome.document is None or outcome.document.source != str(path.resolve()):
            path.unlink(missing_ok=True)  # unreadable, or a duplicate of another file: no document is read from it
        outcomes.append(replace(outcome, name=upload.name))
    return outcomes


def add_from_web(assistant: Assistant, url: str) -> FileOutcome:
    """Download the document at `url` and ingest it (assistant.fetch.fetcher.fetch); NOT_FETCHED if it cannot be.

    Private and loopback addresses are refused unless the assistant's settings allow them (allow_private).
    """
    try:
        return fetch(assistant, url)
    except FetchError as error:
        return FileOutcome(url, Status.NOT_FETCHED, reason=error.reason)
