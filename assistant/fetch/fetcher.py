"""`fetch`: download a document from the web, keep a copy in the data folder, and ingest it.

HUDOC and EUR-Lex addresses are turned into the document itself plus what the service says of it (see
assistant/sources.py); any other address is taken as it is, if it serves a PDF, Word, HTML or text document.
Downloads go through assistant/download.py, which keeps them polite and away from the host's own network.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.errors import FetchError
from assistant.fetch.download import FetchPolicy, Response, get
from assistant.fetch.references import parse_reference, reference_address
from assistant.fetch.sources import Plan, Sites, plan_fetch
from assistant.records import FileOutcome, Status

if TYPE_CHECKING:
    from assistant.core import Assistant

__all__ = ["HASH_DIGITS", "FetchPolicy", "Sites", "document_format", "fetch", "plan_fetch"]

# 16 hex digits (64 bits) of SHA-256 name the saved downloads and uploads without a realistic chance of two
# files colliding, and keep the document ids made from them short enough to read.
HASH_DIGITS = 16
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Content-Type → format for the formats the readers take.
DOCUMENT_TYPES = {
    "application/pdf": "pdf", "application/x-pdf": "pdf", DOCX_TYPE: "docx",
    "text/html": "html", "application/xhtml+xml": "html",
    "text/plain": "txt", "text/markdown": "md", "text/x-markdown": "md",
}
# Labels servers put on any file (or none at all): the bytes decide whether it is a PDF or a Word file.
UNLABELLED_TYPES = {
    "", "application/octet-stream", "binary/octet-stream", "application/download", "application/x-download",
    "application/force-download",
}
JSON_TYPES = {"application/json", "text/json", "text/javascript", "text/plain"}
_EXPECTED = "a PDF, Word (.docx), HTML, plain-text or Markdown document"
_FORMAT_NAMES = {
    "pdf": "a PDF", "docx": "a Word file", "html": "a web page", "txt": "plain text", "md": "Markdown",
}
_SUFFIXES = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "txt": ".txt", "md": ".md"}
# Marks of a web firewall's browser check (AWS WAF, Cloudflare) served in place of the page.
_BROWSER_CHECKS = (b"awsWafCookieDomainList", b"AwsWafIntegration", b"cf-browser-verification", b"cf_chl_opt")
_SERVICE_DESCRIPTION_LIMIT = 2 * 1024 * 1024


def fetch(
    assistant: Assistant, address: str, policy: FetchPolicy | None = None, sites: Sites | None = None
) -> FileOutcome:
    """Download the document at `address` and ingest it into `assistant`'s index; what became of it.

    Args:
        assistant: an assistant.core.Assistant (its settings give the data folder and the fetch settings).
        address: a web address, or a case's number: an ECtHR application number ("40503/17"), a CJEU case
            number ("C-646/16"), an ECLI or a CELEX number (assistant/fetch/references.py).
        policy: timeouts, size limit, private addresses; default: from the assistant's settings.
        sites: where HUDOC and EUR-Lex live; default: from the assistant's settings.

    Returns:
        The outcome, named by `address`: ADDED, REPLACED (an older copy from the same address), UNCHANGED or
        DUPLICATE; its notes say what the user may want to know ("HUDOC did not describe the judgment…").

    Raises:
        FetchError: the address is not allowed, the download failed, or the document could not be read.
            The index is then unchanged.
    """
    shown = address.strip()
    policy = policy or FetchPolicy.from_settings(assistant.settings)
    sites = sites or Sites.from_settings(assistant.settings)
    reference = parse_reference(shown)
    url, notes = reference_address(reference, policy, sites) if reference else (shown, [])
    plan = plan_fetch(url, sites)
    response, fmt = _download_document(url, plan, policy)
    metadata = {**plan.metadata, **_service_metadata(plan, policy, notes), "url": url}
    folder = assistant.settings.downloads
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()  # the index knows files by their resolved path
    digest = hashlib.sha256(response.body).hexdigest()
    path, created = _save(response.body, digest, fmt, plan.label, folder)
    existing = assistant.index.document_by_source(str(path))
    if existing and existing.content_hash == digest:
        return FileOutcome(shown, Status.UNCHANGED, existing, notes=tuple(notes))
    try:
        report = assistant.ingest([path], metadata=metadata)
    finally:
        if created and not assistant.index.document_by_source(str(path)):
            path.unlink(missing_ok=True)  # not ingested (unreadable, a duplicate, interrupted): not kept
    (outcome,) = report.outcomes
    if outcome.status is Status.FAILED:
        raise FetchError(url, f"the downloaded {fmt.upper()} could not be read: {outcome.reason}")
    if outcome.status is Status.DUPLICATE:
        notes.append(f"the same content is already in the index as {outcome.doc_id} ({outcome.document.source})")
        return replace(outcome, name=shown, notes=tuple(notes))
    older = _forget_older_copies(assistant, url, outcome.doc_id, folder)
    if older:
        notes.append(f"replaces {', '.join(older)}, an older copy from the same address")
    status = Status.REPLACED if older else outcome.status
    return replace(outcome, name=shown, status=status, notes=tuple(notes))


def document_format(media_type: str, body: bytes, address: str, shown_as: str) -> str:
    """The format of a downloaded body: its bytes where they tell (PDF, Word), else its Content-Type."""
    sniffed = _sniff(body)
    declared = DOCUMENT_TYPES.get(media_type)
    if sniffed in ("pdf", "docx"):
        return sniffed
    if declared in ("pdf", "docx"):
        raise FetchError(
            shown_as,
            f"the server said this is {_FORMAT_NAMES[declared]} but sent something else (perhaps an error or "
            "login page); open the address in a browser to see what it serves",
        )
    if declared == "txt" and urlsplit(address).path.lower().endswith((".md", ".markdown")):
        return "md"  # code hosts serve raw Markdown as text/plain
    if declared:
        return declared
    if sniffed == "html":
        return "html"
    raise FetchError(shown_as, f"the server did not say what this file is, and it is not {_EXPECTED}")


def _download_document(url: str, plan: Plan, policy: FetchPolicy) -> tuple[Response, str]:
    """The document's bytes and format, from the first of the plan's addresses that serves it."""
    first_error: FetchError | None = None
    for address in plan.documents:
        try:
            response = get(address, policy, set(DOCUMENT_TYPES) | UNLABELLED_TYPES, _EXPECTED)
            fmt = document_format(response.media_type, response.body, response.url, address)
            if fmt == "html" and any(mark in response.body[:200_000] for mark in _BROWSER_CHECKS):
                raise FetchError(
                    address,
                    "the site answered with a browser check (a JavaScript challenge) instead of the "
                    "document; open the address in a browser, save the page or its PDF, and add the file "
                    "with `asylum-assistant ingest` (or the upload form)",
                )
            if fmt not in plan.formats:
                wanted = " or ".join(_FORMAT_NAMES[f] for f in plan.formats)
                sent = _FORMAT_NAMES[fmt]
                raise FetchError(address, f"{plan.service} sent {sent}, not {wanted} (perhaps an error page)")
            return response, fmt
        except FetchError as error:
            # Name the user's address; a service's own address is detail (HUDOC's Word and PDF conversions).
            first_error = first_error or FetchError(url, error.reason)
    assert first_error is not None, "a plan has at least one address"
    raise first_error


def _service_metadata(plan: Plan, policy: FetchPolicy, notes: list[str]) -> dict[str, object]:
    """What the service says of the document (HUDOC's query API): best effort, one try, never fatal."""
    if not plan.metadata_url:
        return {}
    quick = replace(policy, attempts=1, max_bytes=min(policy.max_bytes, _SERVICE_DESCRIPTION_LIMIT))
    try:
        fields = plan.read_metadata(get(plan.metadata_url, quick, JSON_TYPES, "a JSON description").body)
    except FetchError as error:
        fields, why = {}, f" ({error.reason})"
    else:
        why = "" if fields else " (its answer did not list this document)"
    if not fields:
        notes.append(
            f"{plan.service} did not describe the document{why}; title, date and numbers come from the text"
        )
    return fields


def _save(body: bytes, digest: str, fmt: str, label: str, folder: Path) -> tuple[Path, bool]:
    """Keep the bytes as FOLDER/<label>-<content hash><suffix>; whether the file is new.

    The name never comes from the server or the address's path: only from the content and a label built
    from checked identifiers ("hudoc-001-109231"), which also makes the document id readable.
    """
    path = folder / f"{label}-{digest[:HASH_DIGITS]}{_SUFFIXES[fmt]}"
    if path.is_file() and path.read_bytes() == body:
        return path, False
    partial = folder / f".{path.name}.part"  # a dot-file: a folder ingest of HOME skips it
    try:
        partial.write_bytes(body)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise FetchError(str(path), f"the download could not be kept ({error.strerror}); free some space") from error
    return path, True


def _forget_older_copies(assistant: Assistant, url: str, doc_id: str, folder: Path) -> list[str]:
    """Remove documents fetched before from the same address (and their saved copies): `doc_id` replaces them."""
    older = [
        listed.document.doc_id for listed in assistant.documents()
        if listed.document.metadata.url == url and listed.document.doc_id != doc_id
        and Path(listed.document.source).parent == folder
    ]
    for old in older:
        assistant.remove(old)
    return older


def _sniff(body: bytes) -> str:
    """"pdf", "docx" or "html" when the first bytes say so, else ""."""
    if b"%PDF-" in body[:1024]:  # readers accept a PDF header anywhere in the first kilobyte
        return "pdf"
    if body.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else ""
        except zipfile.BadZipFile:
            return ""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<?xml") and b"<html" in head):
        return "html"
    return ""
