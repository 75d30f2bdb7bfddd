"""What the index hands back besides the ingest records: a stored chunk, and the filters a search takes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import NamedTuple

from ingest.records import Chunk, Document


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the index holds it: its id (the same in the dense and the lexical search), document and place."""

    id: int
    doc_id: str
    ordinal: int  # its position in the document, from 0
    chunk: Chunk


class ListedDocument(NamedTuple):
    """A document of the index with the number of its chunks (what `docs` and the Corpus tab list)."""

    document: Document
    chunks: int


def _filter(default, label: str, help: str, flag: str, form: str):
    """A Filters field and how users give it.

    `form` says how a value is written and checked (assistant/forms.py) and which input the web app shows for
    it: "kinds" (a choice of KINDS), "text", "language", "date-from", "date-to", or "ids" (command line only).
    """
    return field(default=default, metadata={"label": label, "help": help, "flag": flag, "form": form})


@dataclass(frozen=True)
class Filters:
    """Restrictions on which chunks a search may return. Empty fields restrict nothing.

    Declared once: the command line's options, the web app's filter panels and its API parameters are made from
    these fields. A new filter is a field here and its clause in each storage backend.
    """

    # "case-law" also takes the notes on a case (a note names its application or case number).
    kinds: tuple[str, ...] = _filter(
        (), "Kind", "only these kinds of documents: case-law (with the notes on a case), statute, article, note",
        "--kind", "kinds",
    )
    # A substring, case-insensitive: "Human Rights" matches both ECtHR formations.
    court: str = _filter("", "Court or issuer", "only documents whose court or issuer contains this text", "--court",
                         "text")
    language: str = _filter(
        "", "Language", "only documents in this language (ISO code: en, fr, sv…)", "--language", "language"
    )
    date_from: str = _filter(  # ISO dates, inclusive
        "", "From", "only documents dated on or after this date (2012-02-23, 2012-02 or 2012)", "--from", "date-from"
    )
    date_to: str = _filter(
        "", "To", "only documents dated on or before this date (2012-02-23, 2012-02 or 2012)", "--to", "date-to"
    )
    doc_ids: tuple[str, ...] = _filter((), "Document", "only this document (by the id `docs` shows)", "--doc", "ids")

    def __bool__(self) -> bool:
        return any(getattr(self, spec.name) for spec in fields(self))


# The lexical search of either backend weighs a chunk's text, and at half weight its context.
LEXICAL_WEIGHTS = {"text": 1.0, "context": 0.5}


def lexical_context(document: Document, chunk: Chunk) -> str:
    """A chunk's context for the lexical search: its document's title and citation, then its headings."""
    meta = document.metadata
    return " ".join(filter(None, (meta.title, meta.citation, chunk.heading_path)))


def id_candidates(document: Document) -> list[str]:
    """The ids a new document may take, the first free one: its own, then "<id>-<format>", "<id>-<format>-2"…"""
    base = document.doc_id
    return [base, f"{base}-{document.format}"] + [f"{base}-{document.format}-{n}" for n in range(2, 1000)]
