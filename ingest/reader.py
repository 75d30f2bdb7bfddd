"""Read any supported file into blocks: the one place that knows which parser takes which format."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import UnreadableDocument
from ingest.records import ParsedDocument

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


def read_document(path: Path) -> ParsedDocument:
    """Parse a file by its type. Raises UnreadableDocument with the reason when it cannot be read."""
    fmt = file_format(path)
    try:
        if fmt == "pdf":
            from ingest.pdf import read_pdf

            return read_pdf(path)
        if fmt == "docx":
            from ingest.docx import read_docx

            return read_docx(path)
        if fmt == "html":
            from ingest.html import read_html

            return read_html(path)
        from ingest.text import read_text

        return read_text(path)
    except UnreadableDocument:
        raise
    except OSError as error:
        raise UnreadableDocument(str(path), f"cannot open the file ({error.strerror or error})") from error
    except Exception as error:  # a parser library failing on malformed input is a bad file, not a crash
        raise UnreadableDocument(str(path), f"could not parse this {fmt.upper()} file ({error})") from error
