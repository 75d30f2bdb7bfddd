"""Finding where a judgment cites another one to the paragraph, and what it says there. Pure functions of text.

Used twice: to count, at ingest, how often each paragraph of the index is cited by its other documents (its
authority, see assistant/authority.py), and to make training pairs for the re-ranker (assistant/training/).

ECtHR: "(see Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, § 180, ECHR 2012)", "(see Hirsi Jamaa and
Others, cited above, §§ 176-80)", French "(Hirsi Jamaa et autres c. Italie [GC], no 27765/09, § 180)",
"(… précité, § 180)". CJEU: "(judgment of 16 February 2017, C. K. and Others, C-578/16 PPU, EU:C:2017:127,
paragraph 59)". The sentence around a citation, the citation taken out, states what the cited paragraph holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import CitedParagraph
from ingest.sentences import split_sentences

_DASHES = str.maketrans({"‑": "-", "–": "-", "—": "-", "\u00a0": " "})
_APPLICATION = re.compile(r"\b(\d{1,6}/\d{2})\b")
_ECLI = re.compile(r"\bEU:C:\d{4}:\d+\b")
_CASE = re.compile(r"\b([CT])-\s?(\d{1,4}/\d{2})\b")
# "§ 180", "§§ 81 and 82", "§§ 21, 25, 29 and 30", "§§ 176-80"; CJEU "paragraph 59", "paragraphs 30 and 31".
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|janvier|février|"
           "mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre")
# A number after a comma that a month follows is the day of the judgment's date: "§ 2, 1 January 2019".
_ECTHR_PINPOINT = re.compile(rf"§§?\s*(\d+(?:\s*(?:-|,|and|et)\s*\d+(?!\d|\s+(?:{_MONTHS})\b))*)")
_CJEU_PINPOINT = re.compile(r"\bparagraphs?\s+(\d+(?:\s*(?:-|,|and|to)\s*\d+)*)")
_CITED_ABOVE = re.compile(r"\b(?:cited above|précitée?s?|supra)\b", re.I)
_SEGMENT_START = re.compile(r"^(?:see|voir|compare|cf\.?|also|and|et|mutatis mutandis|among (?:many )?other authorities|"
                            r"parmi (?:beaucoup )?d'autres|notamment|to that effect|,|\s)+", re.I)
_PARENTHESES = re.compile(r"\(([^()]*)\)")
MOST_PARAGRAPHS = 5  # of a range ("§§ 100-130" cites a whole section, not a paragraph)


@dataclass(frozen=True)
class Citation:
    """A citation of paragraphs of another decision, as one judgment makes it."""

    proposition: str  # the citing sentence without its citations
    key: str  # who is cited: an application number "27765/09", an ECLI "EU:C:2017:127", or a case "C-578/16"
    paragraphs: tuple[int, ...]


def paragraph_numbers(text: str) -> tuple[int, ...]:
    """ "180" → (180,); "81 and 82" → (81, 82); "176-80" → 176…180; a long range → none (too broad)."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|and|et)\s*", text.strip()):
        if "-" in part:
            first, last = (piece.strip() for piece in part.split("-", 1))
            if not (first.isdigit() and last.isdigit()):
                continue
            start = int(first)
            end = int(last) if len(last) >= len(first) else int(first[: len(first) - len(last)] + last)
            if not 0 <= end - start < MOST_PARAGRAPHS:
                return ()
            numbers += range(start, end + 1)
        elif part.isdigit():
            numbers.append(int(part))
    return tuple(dict.fromkeys(numbers))[:MOST_PARAGRAPHS]


def own_pinpoints(text: str) -> tuple[str, ...]:
    """The paragraph references in a note on one decision that point into that decision, in order, once each:
    "81", "146-147", "37 and 38". A reference inside a parenthesis that names another case is that case's."""
    text = text.translate(_DASHES)
    found: list[str] = []
    for match in (*_ECTHR_PINPOINT.finditer(text), *_CJEU_PINPOINT.finditer(text)):
        opening = text.rfind("(", 0, match.start())
        inside = opening > text.rfind(")", 0, match.start())
        before = text[opening + 1 : match.start()].rsplit(";", 1)[-1] if inside else ""
        # "Article 5 § 4" is a paragraph of the Convention's Article, not of the case.
        if _names_a_case(before) or re.search(r"\bArt(?:icle|\.)\s+\d+\s*$", text[: match.start()]):
            continue
        found.append((match.start(), match.group(1).strip()))
    return tuple(dict.fromkeys(numbers for _, numbers in sorted(found)))


def _names_a_case(text: str) -> bool:
    return bool(re.search(r"\sv\.\s|\sc\.\s", text) or _APPLICATION.search(text) or _CASE.search(text)
                or _CITED_ABOVE.search(text))


def short_names(text: str) -> dict[str, str]:
    """Case name → application number, from the full ECtHR citations of a judgment ("Hirsi Jamaa and Others
    v. Italy [GC], no. 27765/09" gives "hirsi jamaa and others" and "hirsi jamaa and others v. italy"), so
    that its later "Hirsi Jamaa and Others, cited above, § 180" can be resolved."""
    names: dict[str, str] = {}
    for inside in _PARENTHESES.findall(text.translate(_DASHES)):
        for segment in inside.split(";"):
            application = _APPLICATION.search(segment)
            if not application or not re.search(r"\bn[o°]s?\b", segment[: application.start()]):
                continue
            name = _case_name(segment[: application.start()])
            if name:
                names.setdefault(name, application.group(1))
                names.setdefault(re.split(r"\s+(?:v\.|c\.)\s+", name)[0], application.group(1))
    return names


def _case_name(text: str) -> str:
    text = _SEGMENT_START.sub("", text)
    text = re.sub(r"\[GC\]|\(dec\.\)|\(déc\.\)|,?\s*n[o°]s?\.?\s*o?\s*$", " ", text)
    return re.sub(r"\s+", " ", text).strip(" ,").lower()


def ecthr_citations(text: str, names: dict[str, str]) -> list[Citation]:
    """The paragraph-precise citations of other decisions in an ECtHR judgment's text."""
    text = text.translate(_DASHES)
    found = []
    for sentence in split_sentences(text):
        cited: list[tuple[str, tuple[int, ...]]] = []
        for inside in _PARENTHESES.findall(sentence):
            for segment in inside.split(";"):
                pinpoint = _ECTHR_PINPOINT.search(segment)
                if not pinpoint or re.search(r"\b(?:both|tous deux|all)\s+cited above", segment):
                    continue
                key = _ecthr_key(segment[: pinpoint.start()], names)
                paragraphs = paragraph_numbers(pinpoint.group(1))
                if key and paragraphs:
                    cited.append((key, paragraphs))
        if cited:
            proposition = _without_citations(sentence)
            found += [Citation(proposition, key, paragraphs) for key, paragraphs in cited]
    return found


def _ecthr_key(before_pinpoint: str, names: dict[str, str]) -> str:
    application = _APPLICATION.search(before_pinpoint)
    if application:
        return application.group(1)
    if _CITED_ABOVE.search(before_pinpoint):
        name = _case_name(_CITED_ABOVE.split(before_pinpoint)[0])
        return names.get(name, "")
    return ""  # "Article 3 § 1", "Rule 39 § 1": a provision, not a case


def cjeu_citations(text: str) -> list[Citation]:
    """The paragraph-precise citations of judgments in a CJEU judgment's text, keyed by ECLI."""
    text = text.translate(_DASHES)
    found = []
    for sentence in split_sentences(text):
        cited = []
        for inside in _PARENTHESES.findall(sentence):
            for segment in inside.split(";"):
                ecli, pinpoint = _ECLI.search(segment), _CJEU_PINPOINT.search(segment)
                if ecli and pinpoint and pinpoint.start() > ecli.start():
                    paragraphs = paragraph_numbers(pinpoint.group(1).replace(" to ", "-"))
                    if paragraphs:
                        cited.append((ecli.group(0), paragraphs))
        if cited:
            proposition = _without_citations(sentence)
            found += [Citation(proposition, key, paragraphs) for key, paragraphs in cited]
    return found


def _without_citations(sentence: str) -> str:
    """The sentence without the parentheses that cite (a "§", a "paragraph", an ECLI, "cited above")."""
    def cites(match: re.Match[str]) -> bool:
        inside = match.group(1)
        return bool(re.search(r"§|\bparagraphs?\s+\d|EU:C:|cited above|précité|\bno\.\s*\d", inside))

    stripped = _PARENTHESES.sub(lambda match: "" if cites(match) else match.group(0), sentence)
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", stripped)).strip()


def cited_paragraphs(texts: list[str]) -> list[CitedParagraph]:
    """What each chunk of one judgment (its texts, in order) cites, to the paragraph; "cited above" is resolved
    through the judgment's own earlier full citations."""
    names = short_names("\n\n".join(texts))
    found = []
    for ordinal, text in enumerate(texts):
        citations = ecthr_citations(text, names) + cjeu_citations(text)
        found += dict.fromkeys(
            CitedParagraph(ordinal, citation.key, paragraph)
            for citation in citations for paragraph in citation.paragraphs
        )
    return found
