"""Read any supported file into blocks: the one place that knows which parser takes which format."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ingest.errors import UnreadableDocument
from ingest.furniture import strip_page_furniture
from ingest.records import PageCallback, ParsedDocument, SourceFile

_MOST_LINES = 500_000  # a 1,000-page judgment has about 50,000
_SAMPLE_LINES, _SAMPLE_CHARACTERS = 20_000, 200_000
_FEWEST_TOKENS = 20
_LONGEST_WORD = 40
_WORD = re.compile(r"\W*[^\W\d_]+(?:[-'’.][^\W\d_]+)*\W*")
_WORD_SHARE, _LETTER_SHARE = 0.4, 0.6

# Suffix → format name. The format decides the parser; the parsers import their libraries lazily
# so that reading a text file does not pay for pypdf or lxml.
FORMATS = {
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html",
    ".txt": "txt", ".md": "md", ".markdown": "md",
}


def file_format(path: Path) -> str:
    """The format name of a supported file; UnreadableDocument for anything else."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(set(FORMATS)))
        raise UnreadableDocument(str(path), f"unsupported file type {path.suffix or '(none)'!r}; supported: {supported}")
    return fmt


def load_source(path: Path) -> SourceFile:
    """A supported file's bytes and format, read once; UnreadableDocument when it is of another type or
    cannot be opened."""
    fmt = file_format(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableDocument(str(path), f"cannot open the file ({error.strerror or error})") from error
    return SourceFile(Path(path), data, fmt)


def read_document(source: SourceFile, on_page: PageCallback | None = None) -> ParsedDocument:
    """Parse a file by its format, without page furniture. Raises UnreadableDocument with the reason when it
    cannot be read.

    `on_page(done, total)` follows the pages of a PDF as they are read (see PageCallback); the other
    formats have no pages and are read at once.
    """
    parsed = _parse(source, on_page)
    # The readers drop what recurs on every page; the Official Journal's running heads go whatever the format
    # (its HTML and the text made from its PDFs carry them too) and however rarely they recur.
    parsed = replace(parsed, blocks=strip_page_furniture(parsed.blocks))
    _refuse_what_is_not_text(parsed, source)
    return parsed


def _refuse_what_is_not_text(parsed: ParsedDocument, source: SourceFile) -> None:
    """UnreadableDocument for more lines than a document has, or for text that is not language.

    Language, cheaply: in the corpus' documents (judgments, statutes, articles in six languages) 90 % or more
    of the space-separated tokens are words and 92 % of the characters letters; random bytes read as text
    give 12 % and 51 %.
    """
    if len(parsed.blocks) > _MOST_LINES:
        raise UnreadableDocument(
            source.name, f"holds {len(parsed.blocks):,} lines of text, more than any document this assistant reads; "
            "split it into parts"
        )
    sample = " ".join(block.text for block in parsed.blocks[:_SAMPLE_LINES])[:_SAMPLE_CHARACTERS]
    tokens = sample.split()
    if len(tokens) < _FEWEST_TOKENS:
        return
    words = sum(1 for token in tokens if len(token) <= _LONGEST_WORD and _WORD.fullmatch(token))
    characters = sum(len(token) for token in tokens)
    letters = sum(character.isalpha() for character in sample)
    if words < _WORD_SHARE * len(tokens) and letters < _LETTER_SHARE * characters:
        raise UnreadableDocument(
            source.name, f"is not text in any language (only {words / len(tokens):.0%} of it are words): a binary "
            "file with a text file's name, or a damaged one"
        )


def _parse(source: SourceFile, on_page: PageCallback | None) -> ParsedDocument:
    if not source.data.strip():
        raise UnreadableDocument(source.name, "the file is empty (0 bytes, or only blank space); nothing to add")
    try:
        if source.format == "pdf":
            from ingest.pdf import read_pdf

            return read_pdf(source, on_page)
        if source.format == "docx":
            from ingest.docx import read_docx

            return read_docx(source)
        if source.format == "html":
            from ingest.html import read_html

            return read_html(source)
        from ingest.text import read_text

        return read_text(source)
    except (UnreadableDocument, MemoryError):
        raise
    except Exception as error:  # a parser library failing on malformed input is a bad file, not a crash
        raise UnreadableDocument(source.name, f"could not parse this {source.format.upper()} file ({error})") from error
