"""Sentence splitting for legal text, and cutting a passage into pieces that fit the embedding model."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TokenBudget:
    """How long a chunk's text may be: at most `limit` word pieces, as `count` (the model's tokenizer) counts them."""

    count: Callable[[str], int]
    limit: int

    def fits(self, text: str) -> bool:
        return self.count(text) <= self.limit


# A full stop, "!", "?" or "…" with any closing quotes or brackets, then white space and the next
# sentence's first character (checked in code: an upper-case letter in any script, a digit or a quote).
_BOUNDARY = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s+(\S))")
_OPENING_QUOTES = "\"'“‘«„"

# Tokens after which a full stop does not end the sentence (compared lower-cased, without the stop).
# Citations ("no. 27765/09", "Art. 3", "p. 679", "v. Italy", "(dec.)"), Latin abbreviations and the
# common ones of the corpus languages (French, Swedish, Finnish, Polish, Russian).
_ABBREVIATIONS = frozenset(
    """
    no nos art arts para paras p pp v vs cf e.g i.e al seq ibid op cit dec déc doc mr mrs ms dr prof st
    nr n° ch chap sect sec fig vol ed eds rev app apps ltd co inc jr sr
    mm mme mlle me ss resp c.-à-d
    t.ex bl.a s.k dvs jfr m.fl m.m fr.o.m t.o.m
    esim ns vrt
    np tzw ust pkt ok tj wg zob
    ст г гг см т.е т.д т.п напр
    """.split()
)

_ENUMERATOR_ONLY = re.compile(r"^\(?(\d+(\.\d+)*|[ivxlcIVXLC]+|[A-Za-z])[.)]?$")
_INITIAL = re.compile(r"^(\(?[^\W\d_][.])*[^\W\d_]$")  # "A", "A.G", "N.D", "U.N": one letter between stops
_CLAUSE_END = re.compile(r"[;,](?=\s)")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text, its words exactly as there, and where it is in the text."""

    text: str
    start: int  # offset of its first character in the text
    list_item: bool = False  # in a bulleted list item ("- § 81: …"); `text` leaves the bullet out


# A bullet opening a line: Markdown's "-", "*", "+", and the bullets and dashes of lists in PDFs and Word.
# Numbered items ("1.", "(a)") are not split off: in a statute they continue the sentence that introduces them.
_BULLET = re.compile(r"^[ \t]*[-*+•▪●–—][ \t]+", re.M)


def find_sentences(text: str) -> list[Sentence]:
    """The sentences of text, stripped, without breaking citations, initials or enumerators.

    Each bulleted list item is split off from the text around it (a list's items seldom end with a full stop
    before the next bullet), its bullet left out, so that quoting it never pastes a "- " into running prose.
    """
    bullets = list(_BULLET.finditer(text))
    # Runs of text: before the first bullet, then each item from its bullet to the next one.
    runs = [(0, bullets[0].start() if bullets else len(text), False)]
    runs += [(m.end(), nxt.start() if nxt else len(text), True)
             for m, nxt in zip(bullets, [*bullets[1:], None])]
    return [
        Sentence(text[first + start : first + end], first + start, item)
        for first, last, item in runs
        for start, end in _sentence_spans(text[first:last])
    ]


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, stripped, without breaking citations, initials or enumerators; a bulleted
    list item is a sentence of its own, without its bullet (see find_sentences)."""
    return [sentence.text for sentence in find_sentences(text)]


def fit_pieces(text: str, budget: TokenBudget) -> list[str]:
    """Cut text into pieces that fit the budget: whole sentences where possible.

    A sentence too long on its own is cut at ";" or ",", and a clause still too long at word boundaries
    (a single word longer than the budget, such as a long URL, between characters). Joining the pieces
    with single spaces gives back the text, white space aside.
    """
    text = text.strip()
    if not text:
        return []
    return [text[start:end] for start, end in _fit(text, (0, len(text)), budget, 0)]


def _fit(
    text: str, span: tuple[int, int], budget: TokenBudget, level: int
) -> list[tuple[int, int]]:
    """The span if it fits; else its parts at the next finer level (sentences, clauses, words,
    characters), each fitted the same way, packed back together as far as the budget allows."""
    start, end = span
    if budget.fits(text[start:end]):
        return [span]
    if level == 3:
        return _character_spans(text, span, budget)
    parts = _SPLITTERS[level](text, span)
    if len(parts) <= 1:
        return _fit(text, span, budget, level + 1)
    fitted = [piece for part in parts for piece in _fit(text, part, budget, level + 1)]
    return _pack(text, fitted, budget)


def _sentence_parts(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = span
    return [(start + s, start + e) for s, e in _sentence_spans(text[start:end])]


def _clause_parts(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = span
    cuts = [m.end() for m in _CLAUSE_END.finditer(text, start, end)]
    parts = [_strip_span(text, s, e) for s, e in zip([start, *cuts], [*cuts, end], strict=True)]
    return [part for part in parts if part[0] < part[1]]


def _word_parts(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = span
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


_SPLITTERS = (_sentence_parts, _clause_parts, _word_parts)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        opener = match.group(1)
        if not (opener.isupper() or opener.isdigit() or opener in _OPENING_QUOTES):
            continue
        if _is_sentence_end(text, start, match.start()):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(text)))
    return [span for span in (_strip_span(text, s, e) for s, e in spans) if span[0] < span[1]]


def _is_sentence_end(text: str, sentence_start: int, stop: int) -> bool:
    if text[stop] != ".":
        return True
    before = text[sentence_start:stop].strip()
    word = before.rsplit(None, 1)[-1] if before else ""
    bare = word.lstrip("([“‘\"'«")
    if bare.lower() in _ABBREVIATIONS or bare in ("§", "§§"):
        return False
    # An ordinal enumerator opening the text ("1. The case originated ...", "IV. ALLEGED ...").
    if before == word and _ENUMERATOR_ONLY.match(word):
        return False
    # Initials: "Mr A.G. Lana", "N.D. and N.T.", "U.N. Doc.".
    return not _INITIAL.match(bare)


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _character_spans(
    text: str, span: tuple[int, int], budget: TokenBudget
) -> list[tuple[int, int]]:
    """Cut one giant "word" (a URL, a table flattened without spaces) into the longest slices that fit."""
    spans = []
    start, end = span
    while start < end:
        low, high = start + 1, end  # the longest prefix that fits, by bisection
        while low < high:
            middle = (low + high + 1) // 2
            if budget.fits(text[start:middle]):
                low = middle
            else:
                high = middle - 1
        spans.append((start, low))
        start = low
    return spans


def _pack(
    text: str, units: list[tuple[int, int]], budget: TokenBudget
) -> list[tuple[int, int]]:
    """Greedily merge consecutive spans while the merged text still fits."""
    pieces: list[tuple[int, int]] = []
    for start, end in units:
        if pieces and budget.fits(text[pieces[-1][0] : end]):
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    return pieces
