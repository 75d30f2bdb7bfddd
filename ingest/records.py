"""The typed records that flow from a file on disk to a chunk in the index."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# "note" is the project's own writing (case notes, statute notes, background), never a source of law.
KINDS = ("case-law", "statute", "article", "note")


# A reader's progress through a document's pages, on_page(done, total): `done` page readings of `total`. `done`
# only grows; `total` is the page count, and grows once to twice that when a PDF's layout needs every page read
# again by position (ingest/pdf.py, the UNHCR booklet).
PageCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SourceFile:
    """A file's bytes as read once from disk, with the format its name gives (ingest/reader.py's load_source)."""

    path: Path
    data: bytes
    format: str  # pdf | docx | html | txt | md

    @property
    def name(self) -> str:
        """How messages name the file: its path."""
        return str(self.path)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the bytes: an unchanged file is not read again, the same content is not stored twice."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Block:
    """A line or paragraph of a source file as its parser laid it out.

    Parsers turn every format into a list of blocks; chunkers turn blocks into chunks. An empty
    `text` marks a paragraph break (a blank line in a text file).
    """

    text: str
    page: int | None = None
    # A structural hint from formats that carry one (HTML <h2>, a Word heading style): "heading".
    role: str = ""


@dataclass(frozen=True)
class Metadata:
    """What is known about a document before it is chunked."""

    kind: str  # one of KINDS
    title: str
    citation: str = ""  # a readable citation of the whole document, e.g. from MANIFEST.tsv
    court: str = ""  # court or issuer
    date: str = ""  # ISO YYYY-MM-DD where known
    language: str = ""
    application_numbers: tuple[str, ...] = ()  # ECtHR "27765/09"
    case_numbers: tuple[str, ...] = ()  # CJEU "C-201/16"
    ecli: str = ""
    celex: str = ""
    url: str = ""  # where a reader can check the original

    @property
    def case_identifiers(self) -> set[str]:
        """What names the case a judgment is (or a note is on): its application and case numbers and its ECLI."""
        return {self.ecli, *self.application_numbers, *self.case_numbers} - {""}


@dataclass(frozen=True)
class Document:
    """A source file as the index knows it."""

    doc_id: str  # short, stable, human-readable: what `remove` takes
    source: str  # absolute path or URL the text was read from
    content_hash: str  # sha256 of the file's bytes: re-ingesting an unchanged file does nothing
    format: str  # pdf | docx | html | txt | md
    metadata: Metadata


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage: a judgment paragraph, a statute Article (or one of its paragraphs), or
    a run of prose paragraphs. Its text is exactly the document's text, so it can be quoted."""

    text: str
    heading: tuple[str, ...] = ()  # heading path, outermost first: ("THE LAW", "I. ALLEGED VIOLATION ...")
    # Judgment paragraph number "180"; a statute Article's paragraph "1" (with article "27": Article 27(1));
    # a label where the document has no number: "operative part", "operative part, point 2", "recital 25".
    paragraph: str | None = None
    article: str | None = None  # statute Article "27" (Roman numerals as printed: "IV")
    # A separate opinion annexed to a judgment restarts its paragraph numbers: "Concurring opinion of Judge X".
    opinion: str | None = None
    page: int | None = None  # 1-based page of a PDF where the passage starts
    part: int = 0  # 0 for a whole paragraph; 1, 2, ... for the pieces of a paragraph split to fit the model

    @property
    def heading_path(self) -> str:
        return " › ".join(self.heading)

    @property
    def article_label(self) -> str | None:
        """"Article 27(1)" for a chunk of a statute's Article; None elsewhere."""
        if not self.article:
            return None
        return f"Article {self.article}" + (f"({self.paragraph})" if self.paragraph else "")


@dataclass
class ParsedDocument:
    """The output of reading one file: its blocks and any metadata the file itself declared."""

    blocks: list[Block]
    declared: dict[str, str] = field(default_factory=dict)  # e.g. YAML front matter, HTML <meta>, DOCX core props


@dataclass(frozen=True)
class CitedParagraph:
    """A paragraph of another decision that one chunk of a document cites."""

    ordinal: int  # the citing chunk's position in its document
    key: str  # the cited decision: application number, or ECLI
    paragraph: int
