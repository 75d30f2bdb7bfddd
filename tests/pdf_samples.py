"""The shared corpus's PDFs by the layouts they stand for, and a reader that reads each once per test module."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.reader import load_source
from ingest.records import ParsedDocument, SourceFile

DUBLIN = "pdf/reg-604-2013-dublin-iii-oj-l180.pdf"  # Official Journal, two columns
QUALIFICATION = "pdf/reg-2024-1347-qualification-oj-l.pdf"  # the Official Journal's layout since 2023
CRISIS_SV = "pdf/reg-2024-1359-crisis-force-majeure-oj-l-sv.pdf"  # the same, in Swedish
CHARTER = "pdf/eu-charter-2000-oj-c364.pdf"  # Official Journal C series, title in capitals
ECHR = "pdf/echr-convention-2021-coe.pdf"  # the Council of Europe's booklet
UNHCR = "pdf/unhcr-refugee-convention-1951-protocol-1967.pdf"  # a booklet with drop capitals and footnotes


def read_once(reader: Callable[[SourceFile], ParsedDocument], corpus: Path) -> Callable[[str], ParsedDocument]:
    """`reader` over the corpus' files, each read on its first request only."""
    cache: dict[str, ParsedDocument] = {}

    def read(name: str) -> ParsedDocument:
        if name not in cache:
            cache[name] = reader(load_source(corpus / name))
        return cache[name]

    return read
