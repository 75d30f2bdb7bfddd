"""The casebook's reading list: the full texts its notes summarise, and fetching them in one step.

Each note names the text it summarises in its front matter: `full_text` (addresses or case numbers, separated by
";") where it says, else its `url`. `fetch --casebook` and the Corpus tab's button fetch them all, one document at
a time, so that an interruption or a failure leaves every document either wholly in the index or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.errors import FetchError
from assistant.fetch.download import FetchPolicy
from assistant.fetch.fetcher import fetch
from assistant.fetch.references import parse_reference
from assistant.fetch.sources import Sites
from assistant.records import FileOutcome, Status
from index.records import ListedDocument
from ingest.records import Document
from ingest.text import FrontMatterRefused, split_front_matter

if TYPE_CHECKING:
    from assistant.core import Assistant

__all__ = ["Reading", "fetch_reading_list", "reading_list", "unfetched"]


@dataclass(frozen=True)
class Reading:
    """One text of the reading list: where to fetch it, and the note that summarises it."""

    address: str  # a web address or a case number ("40503/17")
    note: str  # the note's title


def reading_list(casebook: Path) -> list[Reading]:
    """The texts the notes of `casebook` summarise, each once, in the order of the notes' files."""
    readings: dict[str, Reading] = {}
    for path in sorted(casebook.rglob("*.md")):
        try:
            declared, _ = split_front_matter(path.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError, FrontMatterRefused):
            continue  # not a note this list can read; the casebook build reports it
        wanted = declared.get("full_text") or declared.get("url") or ""
        for address in (part.strip() for part in str(wanted).split(";")):
            if _names_a_document(address) and address not in readings:
                readings[address] = Reading(address, str(declared.get("title") or path.stem))
    return list(readings.values())


def fetch_reading_list(
    assistant: Assistant,
    readings: list[Reading],
    policy: FetchPolicy | None = None,
    sites: Sites | None = None,
    on_progress: Callable[[int, int, Reading], None] | None = None,
) -> list[FileOutcome]:
    """Fetch each text of `readings` that the index does not hold yet; one outcome per text, named by address.

    A text already fetched is UNCHANGED without a download; one that fails is NOT_FETCHED with the reason, and
    the others go on. `on_progress(done, total, reading)` is called before each text.
    """
    held = _held(assistant.documents())
    outcomes = []
    for done, reading in enumerate(readings):
        if on_progress:
            on_progress(done, len(readings), reading)
        if reading.address in held:
            outcomes.append(FileOutcome(reading.address, Status.UNCHANGED, held[reading.address]))
            continue
        try:
            outcomes.append(fetch(assistant, reading.address, policy, sites))
        except FetchError as error:
            outcomes.append(FileOutcome(reading.address, Status.NOT_FETCHED, reason=error.reason))
    if on_progress and readings:
        on_progress(len(readings), len(readings), readings[-1])
    return outcomes


def unfetched(readings: list[Reading], documents: list[ListedDocument]) -> list[Reading]:
    """The texts of `readings` that none of `documents` (an index's list) holds yet."""
    held = _held(documents)
    return [reading for reading in readings if reading.address not in held]


def _held(documents: list[ListedDocument]) -> dict[str, Document]:
    """The documents that are texts (not notes), by the addresses and application numbers a reading may name."""
    texts = [listed.document for listed in documents if listed.document.metadata.kind != "note"]
    return {key: document for document in texts for key in (document.metadata.url, *document.metadata.application_numbers) if key}


def _names_a_document(address: str) -> bool:
    """Whether `address` leads to a document: a case number, or a web address below a site's home page."""
    if parse_reference(address):
        return True
    parts = urlsplit(address)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path.strip("/") != ""
