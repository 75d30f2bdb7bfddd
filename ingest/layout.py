"""Clean-up of extracted text lines: page furniture, hyphenated line breaks, whitespace, small caps.

Pure functions, no I/O. The list functions take and return Blocks, one per line, so each line keeps the
page it came from: a word moved to the previous line keeps a passage's page, and so its citation, right.
A Block with empty text is a paragraph break (text files); it is never furniture and never joined across.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from ingest.records import Block

FOOTNOTES_HEADING = "Footnotes"  # every reader sets a document's footnotes aside under this heading

# pypdf passes bytes 0x80-0x9F of a WinAnsi-like font through as C1 control characters: the Charter's
# list dashes come out as U+0097, which is cp1252's em dash. Real text never contains C1 controls.
_C1_CONTROL = re.compile("[\x80-\x9f]")
_ZERO_WIDTH = re.compile("[\u200b\ufeff]")
_SPACES = re.compile("[ \t\u00a0\u2000-\u200a\u202f\u3000]+")

# A running line recurs on at least this share of pages. Alternating odd/even headers each reach
# about half; a heading such as the ECHR booklet's "ARTICLE 1" (once per Protocol) stays well below.
_RUNNING_SHARE = 0.25
# A repeated line without a page counter ("OJ L, 22.5.2024 EN") needs to be commoner still, and to sit
# at a page edge or next to other furniture, before it is taken for a header.
_FIXED_RUNNING_SHARE = 0.4
_EDGE_LINES = 2  # how many lines at the top and at the bottom of a page count as its edge
# A footnote as the Official Journal prints it: "( 1 ) OJ L 222, 5.9.2003, p. 3.", "(5) Regulation …".
_FOOTNOTE = re.compile(r"\(\s?\d{1,3}\s?\)\s")
# Without pages, a header recurs a page apart; numbered lines in a row ("3. Holds … Article 5 § 1",
# "4. Holds … Article 5 § 2") are a judgment's operative part, not furniture.
_MIN_LINES_APART = 10
_NUMBER = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_LETTER_WORD = re.compile(r"\S*[^\W\d_]\S*")
# A bare page number: "12", "- 12 -", "Page 12", "12/34", "12 of 34", or a booklet spread's "12 13".
_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?"  # "12", "Page 12", "12/34", "12 of 34"
    r"|\d{1,4}\s+\d{1,4}"  # a spread: "12 13"
    r"|[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]",  # "- 12 -", or with en or em dashes
    re.IGNORECASE,
)

# A word broken at a line end: letters, then a hyphen, a soft hyphen, or (Official Journal PDFs) a
# space and a soft hyphen: "exam-", "guar\xad", "guar \xad". The lookbehind finds the same match (it
# starts where the letters start) but tries each word once rather than from each of its letters.
_BROKEN_WORD = re.compile(r"(?<![^\W\d_])([^\W\d_]+)(-|\u2010| ?\u00ad)$")
_SOFT_HYPHEN = re.compile(r" ?\u00ad$")
_CONTINUATION = re.compile(r"([^\W\d_]+)\S*")
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_COMMON_WORDS = 20

# pypdf reads some small-caps fonts by glyph name, so a few letters come out as capitals inside
# words: "The GovernmenTs siGnaTory hereTo", "Done aT sTrasbourG, This 22nD Day".
_ASCII_WORD = re.compile(r"\b[A-Za-z]+\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)


def clean_line(text: str) -> str:
    """One extracted line with its whitespace collapsed and stray control characters repaired."""
    text = _C1_CONTROL.sub(_from_cp1252, text)
    text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _from_cp1252(match: re.Match[str]) -> str:
    try:
        return match.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D mean nothing in cp1252 either
        return ""


def strip_running_lines(lines: Sequence[Block]) -> list[Block]:
    """Drop page furniture (running headers and footers, bare page numbers); set footnotes aside.

    A running line recurs on many pages, identical but for a page counter: "EN 29.6.2013 Official
    Journal of the European Union L 180/31", "ELI: http://data.europa.eu/eli/reg/2024/1347/oj 9/34".
    Lines without a page (a text file) count their occurrences instead, so headers that a PDF-to-text
    conversion left in a .txt file go too. The footnotes printed under a running footer would cut in two
    a sentence that runs on to the next page: they move to the end, after a "Footnotes" heading, where
    the DOCX and HTML readers put theirs.
    """
    pages = _pages(lines)
    furniture = _furniture(lines, pages)
    notes = _footnotes(lines, pages, furniture)
    body = [line for index, line in enumerate(lines) if index not in furniture and index not in notes]
    return body + footnote_blocks([lines[index] for index in sorted(notes)])


def footnote_blocks(notes: list[Block]) -> list[Block]:
    """Footnotes set aside at the end of a document, under a heading that keeps a chunker from gluing
    them to its last paragraph or Article; nothing when there are none."""
    return [Block(FOOTNOTES_HEADING, role="heading"), *notes] if notes else []


def _footnotes(lines: Sequence[Block], pages: list[list[int]], furniture: set[int]) -> set[int]:
    """The lines after the last running line of a page, when they are footnotes.

    A page ends at a change of page or, in a text file, at a blank line.
    """
    notes: set[int] = set()
    for page in pages:
        last = max((index for index in page if index in furniture), default=None)
        if last is None:
            continue
        before = [index for index in page if index < last and index not in furniture]
        after = [index for index in page if index > last and index not in furniture]
        # Fewer lines than the text above: a running head at the top followed by "(14) …" is a recital.
        if after and _FOOTNOTE.match(lines[after[0]].text) and len(after) < len(before):
            notes.update(after)
    return notes


def _pages(lines: Sequence[Block]) -> list[list[int]]:
    """The indexes of the non-empty lines of each page (or of each blank-line-separated run)."""
    pages: list[list[int]] = [[]]
    for index, line in enumerate(lines):
        if not line.text or (pages[-1] and lines[pages[-1][-1]].page != line.page):
            pages.append([])
        if line.text:
            pages[-1].append(index)
    return [page for page in pages if page]


def _furniture(lines: Sequence[Block], pages: list[list[int]]) -> set[int]:
    """The indexes of the running lines and page numbers in `lines` (split into `pages` by _pages)."""
    paged = any(line.page is not None for line in lines)
    page_count = len({line.page for line in lines if line.text})
    groups: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        if line.text:
            # Spacing varies between pages of the same header ("p r o t o c o l 37", "p r o t o c o l39").
            groups[_SPACES.sub("", _NUMBER.sub("#", line.text))].append(index)

    counted: set[int] = set()
    fixed: set[int] = set()
    for indexes in groups.values():
        on_pages = [lines[index].page or 0 for index in indexes]
        if len(indexes) < 3 or (paged and len(set(on_pages)) < len(on_pages)):
            continue  # a running line recurs, once per page
        if not paged and any(after - before < _MIN_LINES_APART for before, after in pairwise(indexes)):
            continue
        numbers = [[int(n) for n in _NUMBER.findall(lines[index].text)] for index in indexes]
        kind = _running_kind(lines[indexes[0]].text, numbers, on_pages if paged else None)
        share = len(indexes) / page_count if paged else 1.0
        if kind == "counted" and share >= _RUNNING_SHARE:
            counted.update(indexes)
        elif kind == "fixed" and share >= _FIXED_RUNNING_SHARE:
            fixed.update(indexes)
    edges = _edge_indexes(pages) if paged else set()  # a text file's blank-line runs have no page edges
    counted |= _page_numbers(lines, edges, page_count)
    return _grow_into(fixed, counted, lines, edges)


def _running_kind(sample: str, numbers: list[list[int]], pages: list[int] | None) -> str:
    """ "counted" when the lines differ only by a page counter, "fixed" when identical, else ""."""
    has_letters = bool(_LETTER.search(sample))
    if not has_letters and pages is None:
        return ""  # a bare number in a text file is as likely a paragraph number as a page number
    kinds = [_number_kind([row[position] for row in numbers], pages) for position in range(len(numbers[0]))]
    words = len(_LETTER_WORD.findall(sample))
    if "" in kinds:
        return ""
    if "counter" not in kinds:
        return "fixed" if words >= 2 else ""
    if not has_letters:
        return "counted"  # "12", or a booklet spread's "12 13"
    # "Article 12" lines on consecutive pages can look like a counter: a header has one counter, the
    # page number, and also a constant part (a date, "L 180", "/34") or, on real pages, several words.
    # Without pages, numbered paragraphs ("75. The Government disputed that allegation.") rise too.
    anchored = "constant" in kinds or (pages is not None and words >= 3)
    return "counted" if anchored and kinds.count("counter") == 1 else ""


def _number_kind(values: list[int], pages: list[int] | None) -> str:
    """ "constant"; "counter" (rising with the page, or steadily in lines without pages); or ""."""
    if len(set(values)) == 1:
        return "constant"
    rises = [after - before for before, after in pairwise(values)]
    if pages is None:  # a text file may have lost some pages: the Charter's .txt skips pages 2-7
        return "counter" if all(rise > 0 for rise in rises) else ""
    page_steps = [after - before for before, after in pairwise(pages)]
    # A booklet scanned as spreads has two printed pages per PDF page: "6 7", "8 9".
    if any(rises == [per_sheet * step for step in page_steps] for per_sheet in (1, 2)):
        return "counter"
    return ""


def _page_numbers(lines: Sequence[Block], edges: set[int], page_count: int) -> set[int]:
    """Bare numbers at the top or bottom of pages, when enough pages have one to show a numbering."""
    found = {index for index in edges if _PAGE_NUMBER.fullmatch(lines[index].text)}
    pages_numbered = len({lines[index].page for index in found})
    return found if pages_numbered >= 3 and pages_numbered >= _RUNNING_SHARE * page_count else set()


def _edge_indexes(pages: list[list[int]]) -> set[int]:
    return {index for page in pages for index in page[:_EDGE_LINES] + page[-_EDGE_LINES:]}


def _grow_into(fixed: set[int], dropped: set[int], lines: Sequence[Block], edges: set[int]) -> set[int]:
    """Add the repeated lines at one of the page `edges` or next to a dropped line, until none is left."""
    dropped = set(dropped)
    waiting = set(fixed) - dropped
    while True:
        joining = {index for index in waiting if index in edges or _beside(index, dropped, lines)}
        if not joining:
            return dropped
        dropped |= joining
        waiting -= joining


def _beside(index: int, dropped: set[int], lines: Sequence[Block]) -> bool:
    """Whether the nearest non-empty line before or after, on the same page, is dropped."""
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(lines) and not lines[other].text:
            other += step
        if 0 <= other < len(lines) and lines[other].page == lines[index].page and other in dropped:
            return True
    return False


@dataclass(frozen=True)
class _HyphenUsage:
    """What a document's own text says about its line-end hyphens."""

    vocabulary: Counter[str]  # lower-cased words as written within lines, never across a break
    real_by_default: bool  # whether a hard hyphen at a line end is usually part of a compound
    common_words: frozenset[str]  # the document's most frequent words: "and", "or", "och"


def join_hyphenated(lines: Sequence[Block]) -> list[Block]:
    """Rejoin words broken across lines, moving the second fragment up to the line the word starts on.

    A soft hyphen always goes ("guar\xad" + "anteed"). A hard hyphen follows the document's own
    vocabulary: it stays where the hyphenated form occurs elsewhere ("third-country"), goes where the
    joined word does ("examination"). Otherwise it follows the document's habit: it stays where the
    document marks its line-break hyphens as soft, or where its other line-end hyphens proved real; it
    goes before a lower-case fragment where they proved to be line breaks, or nothing is known.
    """
    usage = _hyphen_usage(lines)
    result = list(lines)
    index = 0
    while index < len(result):
        joined = _join_next(result, index, usage)
        if not joined:
            result[index] = _visible_hyphen(result[index])
            index += 1
    return result


def _hyphen_usage(lines: Sequence[Block]) -> _HyphenUsage:
    vocabulary: Counter[str] = Counter()
    breaks = []
    continued = False  # whether the line opens with the rest of a word broken at the end of the line before
    for index, line in enumerate(lines):
        words = _WORD.findall(line.text)
        broken = _BROKEN_WORD.search(line.text)
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        fragment = _CONTINUATION.match(following)
        if broken:
            words = words[:-1]
            if fragment and "\u00ad" not in broken.group(2):
                breaks.append((broken.group(1), fragment.group(1)))
        if continued:
            words = words[1:]
        vocabulary.update(word.lower() for word in words)
        continued = broken is not None
    common_words = frozenset(word for word, _ in vocabulary.most_common(_COMMON_WORDS))
    if any(_SOFT_HYPHEN.search(line.text) for line in lines):
        return _HyphenUsage(vocabulary, real_by_default=True, common_words=common_words)
    votes = [_vocabulary_vote(stem, fragment, vocabulary) for stem, fragment in breaks]
    return _HyphenUsage(vocabulary, votes.count(True) > votes.count(False), common_words)


def _vocabulary_vote(stem: str, fragment: str, vocabulary: Counter[str]) -> bool | None:
    """Whether the document writes stem-fragment with its hyphen (True), without (False), or neither."""
    hyphenated = vocabulary[f"{stem}-{fragment}".lower()]
    joined = vocabulary[f"{stem}{fragment}".lower()]
    return None if hyphenated == joined else hyphenated > joined


def _join_next(lines: list[Block], index: int, usage: _HyphenUsage) -> bool:
    """Move the rest of a word broken at the end of lines[index] up from its continuation; whether it did."""
    broken = _BROKEN_WORD.search(lines[index].text)
    if broken is None:
        return False
    soft = "\u00ad" in broken.group(2)
    after = _continuation_index(lines, index, soft)
    fragment = _CONTINUATION.match(lines[after].text) if after is not None else None
    if after is None or fragment is None:
        return False
    kind = "break" if soft else _hyphen_kind(broken.group(1), fragment.group(1), usage)
    if kind == "suspended":
        return False
    head = lines[index].text[: broken.start(2)] + ("-" if kind == "compound" else "")
    lines[index] = replace(lines[index], text=head + fragment.group())
    rest = lines[after].text[fragment.end() :].lstrip()
    if rest:
        lines[after] = replace(lines[after], text=rest)
    else:  # an emptied line goes: in a text file it must not turn into a paragraph break
        del lines[after]
    return True


def _continuation_index(lines: list[Block], index: int, soft: bool) -> int | None:
    """Where a broken word goes on: the next line, or for a soft hyphen at a page's end, the next page."""
    following = index + 1
    if following < len(lines) and _CONTINUATION.match(lines[following].text):
        return following
    page = lines[index].page
    if not soft or page is None:
        return None
    # In an Official Journal PDF the footnotes sit between a page's last line and the next page.
    for later in range(following, len(lines)):
        if lines[later].page != page:
            on_next_page = lines[later].page == page + 1
            return later if on_next_page and lines[later].text[:1].islower() else None
    return None


def _hyphen_kind(stem: str, fragment: str, usage: _HyphenUsage) -> str:
    """ "break" (a word wrapped at a line end), "compound" ("third-country"), "suspended" ("sök- och")."""
    vote = _vocabulary_vote(stem, fragment, usage.vocabulary)
    if vote is not None:
        return "compound" if vote else "break"
    # A broken word's second half is never one of the document's commonest words; a suspended hyphen
    # is followed by one: "sök- och räddningsinsatser", "pre- and post-war".
    if fragment.lower() in usage.common_words:
        return "suspended"
    return "compound" if usage.real_by_default or not fragment[:1].islower() else "break"


def _visible_hyphen(line: Block) -> Block:
    """A soft hyphen left at a line's end prints as a hyphen; keep it visible rather than invisible."""
    if not _SOFT_HYPHEN.search(line.text):
        return line
    return replace(line, text=_SOFT_HYPHEN.sub("-", line.text))


def fix_small_caps(lines: Sequence[Block]) -> list[Block]:
    """Lower-case the stray capitals pypdf gives inside small-caps words: "GovernmenTs" → "Governments".

    A word is repaired only where the document also has it in ordinary case ("governments"), so that
    names and abbreviations such as "McCann", "DubliNet" or "ECtHR" stay as they are.
    """
    ordinary = {
        word.lower()
        for line in lines
        for word in _ASCII_WORD.findall(line.text)
        if not _has_stray_capitals(word)
    }

    def repair(match: re.Match[str]) -> str:
        word = match.group()
        if _has_stray_capitals(word) and word.lower() in ordinary:
            return word[0] + word[1:].lower()
        return word

    def repair_line(text: str) -> str:
        text = _ORDINAL.sub(_lower_mixed_ordinal, text)
        return _ASCII_WORD.sub(repair, text)

    return [replace(line, text=repair_line(line.text)) for line in lines]


def _lower_mixed_ordinal(match: re.Match[str]) -> str:
    number, suffix = match.groups()
    return number + (suffix if suffix.isupper() else suffix.lower())  # "4Th" → "4th"; "4TH" is a heading


def _has_stray_capitals(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)
