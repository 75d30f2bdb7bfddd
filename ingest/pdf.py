"""Read a PDF's text layer into one Block per line, with its page. The only module that imports pypdf."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError

from ingest.errors import UnreadableDocument
from ingest.layout import clean_line, fix_small_caps, join_hyphenated, strip_running_lines
from ingest.metadata import journal_citation
from ingest.records import Block, PageCallback, ParsedDocument, SourceFile

log = logging.getLogger(__name__)

NO_TEXT = "no text layer — a scanned PDF needs OCR first (e.g. `ocrmypdf in.pdf out.pdf`)"
ENCRYPTED = "encrypted PDF: decrypt it first (e.g. `qpdf --decrypt --password=… in.pdf out.pdf`)"

# The PDF format wants "%PDF-" within the first 1024 bytes.
_HEADER_WINDOW = 1024
# pypdf's plain mode follows the content stream, which keeps the columns of an Official Journal page
# apart. Some layouts (the UNHCR InDesign booklet) put drop capitals and tab-spaced footnotes in
# separate runs, which plain mode breaks apart ("(1) H" / "as been"); its layout mode, which places
# text by position, reads those right, as long as a page has one column.
_FRAGMENTED_SHARE = 0.2
_DROP_CAPITAL = re.compile(r"(?:^|\s)[A-Z]$")
# Two columns side by side in layout mode: words, then a wide gap, then more text.
_COLUMN_GAP = re.compile(r"\S+(?: {1,5}\S+){2,} {6,}\S")
_MULTI_COLUMN_SHARE = 0.25
# Where pypdf's messages start quoting the file's bytes, which mean nothing to a reader.
_QUOTED_BYTES = re.compile(r"\s+(?:starting with|@)\s|\s*\bb['\"]")
_LONGEST_REASON = 120
_PLACEHOLDER_TITLE = re.compile(
    r"untitled|document\d*|microsoft (word|powerpoint) - .*|.*\.(pdf|docx?|rtf|odt|indd|txt)", re.IGNORECASE
)


def read_pdf(source: SourceFile, on_page: PageCallback | None = None) -> ParsedDocument:
    """Read a PDF: one Block per text line, page furniture removed, hyphenated words rejoined.

    `on_page(done, total)` is called after each page read (see PageCallback), so that a long PDF shows progress.

    `declared` holds the PDF's own "title" and "created" (ISO date) where they are present and meaningful, and the
    "citation" an Official Journal header on the first page gives ("OJ C 364, 18.12.2000, p. 1").
    Raises UnreadableDocument for a file that is not a PDF, is damaged, encrypted, or has no text.
    """
    with _pypdf_warnings_to_debug(source.name):
        reader = _open(source)
        pages = _page_texts(reader, source.name, on_page or _ignore_page)
        declared = _declared(reader)
    # The Official Journal's header says where the act was published; it is read before it goes as furniture.
    citation = journal_citation("\n".join(pages[0]))
    if citation:
        declared["citation"] = citation
    lines = [Block(text, page=number) for number, page in enumerate(pages, 1) for text in _clean_lines(page)]
    if not lines:
        raise UnreadableDocument(source.name, NO_TEXT)
    return ParsedDocument(
        blocks=fix_small_caps(join_hyphenated(strip_running_lines(lines))), declared=declared
    )


def _ignore_page(done: int, total: int) -> None:
    """No one is watching this read's progress."""


def _open(source: SourceFile) -> PdfReader:
    path = source.name
    if b"%PDF-" not in source.data[:_HEADER_WINDOW]:
        raise UnreadableDocument(
            path, "not a PDF file (it has no %PDF- header); check that it is really a PDF"
        )
    try:
        reader = PdfReader(io.BytesIO(source.data))
        _decrypt(reader, path)
        page_count = len(reader.pages)
    except UnreadableDocument:
        raise
    except Exception as error:  # pypdf fails on damaged files in many ways; each means the same to a user
        raise UnreadableDocument(path, f"damaged PDF ({_plain(error)}); download or export it again") from error
    if page_count == 0:
        raise UnreadableDocument(path, "the PDF has no pages")
    return reader


def _decrypt(reader: PdfReader, path: str) -> None:
    """Open an encrypted PDF that needs no password to read (only to edit); refuse one that does."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except DependencyError as error:  # AES needs the optional `cryptography` package
        raise UnreadableDocument(path, ENCRYPTED) from error
    if opened == PasswordType.NOT_DECRYPTED:
        raise UnreadableDocument(path, ENCRYPTED)


def _page_texts(reader: PdfReader, path: str, on_page: PageCallback) -> list[list[str]]:
    """The raw lines of each page, in the extraction mode that suits the document."""
    count = len(reader.pages)
    plain = _extract_pages(reader, path, "plain", lambda number: on_page(number, count))
    with_text = [lines for lines in plain if any(line.strip() for line in lines)]
    fragmented = sum(_looks_fragmented(lines) for lines in with_text)
    if not with_text or fragmented < _FRAGMENTED_SHARE * len(with_text):
        return plain
    # Reading each page again, by position, doubles the work: the count of pages read goes on to twice the pages.
    positioned = _extract_pages(reader, path, "layout", lambda number: on_page(count + number, 2 * count))
    return [
        layout if layout and not _is_multi_column(layout) else lines
        for layout, lines in zip(positioned, plain, strict=True)
    ]


def _extract_pages(reader: PdfReader, path: str, mode: str, page_read: Callable[[int], None]) -> list[list[str]]:
    """The raw lines of every page in one extraction mode; `page_read(number)` after each."""
    pages = []
    for number, page in enumerate(reader.pages, 1):
        pages.append(_extract(page, number, path, mode))
        page_read(number)
    return pages


def _extract(page: PageObject, number: int, path: str, mode: str) -> list[str]:
    try:
        return page.extract_text(extraction_mode=mode).splitlines()
    except Exception as error:  # one damaged page should not lose the rest of the document
        log.warning("%s: page %d could not be read (%s); it is left out", path, number, _plain(error))
        return []


def _plain(error: Exception) -> str:
    """What pypdf says went wrong, without the raw bytes it quotes ("… starting with b'\\x95' @178: b'xref…'")."""
    words = _QUOTED_BYTES.split(str(error), maxsplit=1)[0].strip(" :;,.")
    return words[:_LONGEST_REASON] or type(error).__name__


def _looks_fragmented(lines: list[str]) -> bool:
    """Whether plain extraction broke a page's words apart: tabs between words, or split drop capitals."""
    stripped = [line.strip() for line in lines if line.strip()]
    split_capital = any(
        _DROP_CAPITAL.search(line) and following[:1].islower() for line, following in pairwise(stripped)
    )
    return split_capital or any("\t" in line for line in lines)


def _is_multi_column(lines: list[str]) -> bool:
    """Whether a layout-mode page shows two columns side by side (which layout mode would interleave)."""
    texts = [line.strip() for line in lines if line.strip()]
    gaps = sum(1 for text in texts if _COLUMN_GAP.search(text))
    return gaps >= 3 and gaps >= _MULTI_COLUMN_SHARE * len(texts)


def _clean_lines(lines: list[str]) -> Iterator[str]:
    for line in lines:
        text = clean_line(line)
        if text:
            yield text


def _declared(reader: PdfReader) -> dict[str, str]:
    """The PDF's own title and creation date, where present and meaningful."""
    declared: dict[str, str] = {}
    # A damaged /Info dictionary or date string loses that piece of metadata, not the text.
    try:
        title = " ".join(str(reader.metadata.title or "").split()) if reader.metadata else ""
        if title and not _PLACEHOLDER_TITLE.fullmatch(title) and sum(c.isalpha() for c in title) >= 3:
            declared["title"] = title
    except Exception as error:
        log.debug("unreadable PDF title: %s", error)
    try:
        created = reader.metadata.creation_date if reader.metadata else None
        if created:
            declared["created"] = created.date().isoformat()
    except Exception as error:
        log.debug("unreadable PDF creation date: %s", error)
    return declared


@contextmanager
def _pypdf_warnings_to_debug(path: str) -> Iterator[None]:
    """Pass pypdf's warnings on to this module's logger at DEBUG level, for the time of one read."""
    # pypdf warns about the file's internals that it has worked around (55 times for the Charter's
    # fonts); with no handler configured, Python's last-resort handler would print each on stderr.
    # Not thread-safe: files are read one at a time.
    pypdf_log = logging.getLogger("pypdf")
    handler = _RelogHandler(path)
    propagate = pypdf_log.propagate
    pypdf_log.addHandler(handler)
    pypdf_log.propagate = False
    try:
        yield
    finally:
        pypdf_log.removeHandler(handler)
        pypdf_log.propagate = propagate


class _RelogHandler(logging.Handler):
    def __init__(self, path: str):
        super().__init__(logging.DEBUG)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        log.debug("%s: pypdf: %s", self.path, record.getMessage())
