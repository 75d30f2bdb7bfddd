"""Pinpoint citations built from a document's metadata and a chunk's position, in each court's own style."""

from __future__ import annotations

import re

from assistant.records import Citation
from ingest.citations import own_pinpoints
from ingest.records import Chunk, Document, Metadata

_MONTHS = "January February March April May June July August September October November December".split()
_INSTRUMENT = re.compile(r"^(?:Council |Commission )?(?:Regulation|Directive|Decision)\s*\([A-Z]+\)\s*(?:No\s*)?\d+/\d+")
_INITIALS = re.compile(r"(?:[A-Z]\.)+")
_SMALL_WORDS = {"v.", "and", "of", "the", "de", "du", "et", "c."}  # but "and Others", as the Court writes it


def cite(document: Document, chunk: Chunk) -> Citation:
    """The citation of one chunk of a document."""
    meta = document.metadata
    if meta.kind == "case-law":
        text, pinpoint = _cite_judgment(meta, chunk)
    elif meta.kind == "statute":
        pinpoint = chunk.article_label or chunk.paragraph or ""
        text = ", ".join(filter(None, (instrument_name(meta), pinpoint)))
    elif meta.kind == "note":
        text, pinpoint = _cite_note(meta, chunk)
    else:
        pinpoint = chunk.heading[-1] if chunk.heading else ""
        whole = meta.title if not meta.citation or meta.citation in meta.title else f"{meta.title}, {meta.citation}"
        text = ", ".join(filter(None, (whole, pinpoint)))
    if chunk.page is not None:
        page = f"p. {chunk.page}"
        text, pinpoint = f"{text}, {page}", ", ".join(filter(None, (pinpoint, page)))
    return Citation(text=text, pinpoint=pinpoint)


def instrument_name(meta: Metadata) -> str:
    """A statute's short name: "Regulation (EU) No 604/2013"; else its title without the parenthetical."""
    for candidate in (meta.citation, meta.title):
        match = _INSTRUMENT.match(candidate)
        if match:
            return match.group(0)
    return re.split(r"\s+[(—–]\s*", meta.title, maxsplit=1)[0].strip()


def _cite_judgment(meta: Metadata, chunk: Chunk) -> tuple[str, str]:
    cjeu = _is_cjeu(meta)
    pinpoint = _judgment_pinpoint(chunk, cjeu)
    if cjeu:
        # Without a citation, the parties from the title: "C. K. and Others v Republika Slovenija (C-578/16 PPU)".
        parties = "" if meta.title.upper().startswith("JUDGMENT") else re.sub(r"\s*\([^()]*\)$", "", meta.title)
        base = meta.citation or ", ".join(filter(None, (
            f"Judgment of the Court of Justice of {format_date(meta.date)}", parties, *meta.case_numbers, meta.ecli
        )))
        return _pinpointed(base, pinpoint, cjeu), pinpoint
    return _pinpointed(meta.citation or _ecthr_citation(meta), pinpoint, cjeu), pinpoint


def _cite_note(meta: Metadata, chunk: Chunk) -> tuple[str, str]:
    """A note on a case cites the paragraphs of the judgment it summarises ("Hirsi Jamaa and Others v. Italy
    [GC], no. 27765/09, §§ 146-147, 23 February 2012 — casebook note"); other notes their section."""
    heading = chunk.heading[-1] if chunk.heading else ""
    if not meta.citation or not (meta.application_numbers or meta.case_numbers):
        return ", ".join(filter(None, (f"{meta.title} (asylum-assistant casebook)", heading))), heading
    cjeu = _is_cjeu(meta)
    parts = own_pinpoints(chunk.text)
    single = len(parts) == 1 and parts[0].isdigit()
    sign = ("paragraph" if single else "paragraphs") if cjeu else ("§" if single else "§§")
    pinpoint = f"{sign} {', '.join(parts)}" if parts else ""
    if not pinpoint:
        return f"{meta.citation} — casebook note" + (f", {heading}" if heading else ""), heading
    return f"{_pinpointed(meta.citation, pinpoint, cjeu)} — casebook note", pinpoint


def _is_cjeu(meta: Metadata) -> bool:
    return "Justice" in meta.court or bool(meta.case_numbers and not meta.application_numbers)


def _pinpointed(citation: str, pinpoint: str, cjeu: bool) -> str:
    """A whole-document citation with a pinpoint in its court's place: last for the CJEU; before the date for the
    ECtHR ("…, no. 27765/09, § 180, 23 February 2012")."""
    if not pinpoint:
        return citation
    if cjeu:
        return f"{citation}, {pinpoint}"
    segments = citation.split(", ")
    dated = [i for i, segment in enumerate(segments) if re.search(r"\b(1[89]|20)\d\d\b", segment)]
    at = dated[-1] if dated and dated[-1] > 0 else len(segments)
    return ", ".join(segments[:at] + [pinpoint] + segments[at:])


def _judgment_pinpoint(chunk: Chunk, cjeu: bool) -> str:
    if chunk.paragraph is None:
        label = ""
    elif chunk.paragraph.isdigit():
        label = f"paragraph {chunk.paragraph}" if cjeu else f"§ {chunk.paragraph}"
    else:
        label = chunk.paragraph
    if chunk.opinion:
        return ", ".join(filter(None, (chunk.opinion, label)))
    return label


def _ecthr_citation(meta: Metadata) -> str:
    name = re.sub(r"^CASE OF\s+", "", meta.title, flags=re.I)
    if name.replace(" v. ", " V. ").isupper():  # HUDOC titles: "CASE OF KHAN v. GERMANY"
        name = " ".join(_title_case(word) for word in name.split())
    if "Grand Chamber" in meta.court:
        name += " [GC]"
    numbers = meta.application_numbers
    number_text = ("nos. " + ", ".join(numbers[:-1]) + " and " + numbers[-1]) if len(numbers) > 1 else (
        f"no. {numbers[0]}" if numbers else ""
    )
    return ", ".join(filter(None, (name, number_text, format_date(meta.date))))


def _title_case(word: str) -> str:
    """A word of a HUDOC title in capitals as the Court cites it: "Jamaa", "and", "Others", initials "A.T."."""
    if word.lower() in _SMALL_WORDS:
        return word.lower()
    return word if _INITIALS.fullmatch(word) else word.capitalize()


def format_date(iso: str) -> str:
    """"2012-02-23" → "23 February 2012"; anything else unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not match:
        return iso or ""
    return f"{int(match[3])} {_MONTHS[int(match[2]) - 1]} {match[1]}"
