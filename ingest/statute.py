"""Chunking of statutes, treaties and regulations: a chunk per Article (or per numbered paragraph of an
Article too long for the model), a chunk per recital, the Chapter/Section path as headings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ingest.lines import (
    HeadingPath,
    ends_sentence,
    heading_texts,
    is_enumerator,
    is_hard_wrapped,
    is_upper_case,
    join_lines,
    push_heading,
)
from ingest.numbering import Candidate, numbering_run
from ingest.prose import Paragraph, heading_level_and_title, numbered_chunks, pack_paragraphs
from ingest.records import Block, Chunk
from ingest.sentences import TokenBudget

# "Article 29", "Article 5a", "ARTICLE 3", "Article IV" (1967 Protocol), Swedish "Artikel 5". A line
# "Article 5." or "Article 26(1)." is the end of a wrapped sentence, not a heading.
_ARTICLE = re.compile(
    r"^(?:Article|ARTICLE|Artikel|ARTIKEL|Art\.)\s+(\d{1,3})([a-z]?)$|^(?:Article|ARTICLE)\s+([IVXLC]+)$"
)
# Divisions above Articles and their rank; an Annex starts afresh.
_DIVISION = re.compile(
    r"^(?P<kind>PART|TITLE|AVDELNING|DEL|CHAPTER|KAPITEL|SECTION|AVSNITT|ANNEX|BILAGA)\s+(?P<number>[IVXLC]+|\d{1,3}|[A-Z])"
    r"(?:\s*[:.–—]\s*(?P<title>\S.*))?$"  # a title on its line: "chapter i: General Provisions" (UNHCR PDF)
    r"|^(?P<bare>ANNEX|BILAGA|SCHEDULE|APPENDIX)$",
    re.IGNORECASE,
)
_DIVISION_LEVELS = {
    **dict.fromkeys(("PART", "TITLE", "AVDELNING", "DEL", "ANNEX", "BILAGA", "SCHEDULE", "APPENDIX"), 0),
    **dict.fromkeys(("CHAPTER", "KAPITEL"), 1),
    **dict.fromkeys(("SECTION", "AVSNITT"), 2),
}
_GENERIC_LEVEL = 3  # a heading of another kind ("Paragraph 1" of the Refugee Convention's Schedule)
_RECITAL = re.compile(r"^\((\d{1,3})\)\s*(\S.*)$", re.S)
_PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(\S.*)$", re.S)
# The signature formula after the last Article: what follows is no longer part of it.
_CLOSING = re.compile(r"^(?:Done at|DONE at|Utfärdad i|Fait à|IN WITNESS WHEREOF|In witness whereof)\b")
_INSTRUMENT = re.compile(r"^(?:Optional )?(?:Protocol|PROTOCOL)\b")
_LINKING_WORDS = {"the", "of", "on", "for", "and", "to", "relating"}  # a title line ending so goes on
_PREAMBLE_HEADING = re.compile(r"^(?:PREAMBLE|Preamble|INGRESS|Ingress)$")
_LONGEST_TITLE = 200
_MIN_ARTICLES = 3  # a run of Articles after the first instrument's needs this many: a second instrument
_LONGEST_LOWER_CASE_TITLE = 100  # titles set in small capitals come out of some PDFs in lower case
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


@dataclass(frozen=True)
class _ArticleStart:
    number: str  # as printed: "29", "5a", "IV"
    heading: str  # as printed, without its title: "Article 29", "Artikel 5"
    title: str
    title_line: int | None  # index of the title line, which is not part of the text


def split_statute(blocks: Sequence[Block], budget: TokenBudget) -> list[Chunk]:
    """Chunk a statute: recitals, then one chunk per Article (per paragraph if an Article does not fit)."""
    lines = [_unmarked(b) for b in blocks]
    wrapped = is_hard_wrapped([b.text for b in lines if b.role != "heading"])
    articles = _article_starts(lines)
    first = min([*articles, *_division_lines(lines), len(lines)])
    chunks = _preamble_chunks(lines[:first], budget, wrapped)
    path: HeadingPath = ()
    body: list[Block] = []
    article: _ArticleStart | None = None
    skip: set[int] = set()
    closed = False  # past an instrument's signature formula: another instrument may follow

    def close() -> None:
        nonlocal article
        if article is not None:
            chunks.extend(
                _article_chunks(article, body, heading_texts(path), budget, wrapped)
            )
        elif body:
            paragraphs = [Paragraph(b.text.strip(), heading_texts(path), b.page) for b in body]
            chunks.extend(pack_paragraphs(_merge_wrapped(paragraphs, wrapped), budget))
        body.clear()
        article = None

    for i in range(first, len(lines)):
        block, text = lines[i], lines[i].text.strip()
        if i in skip:
            continue
        if i in articles:
            close()
            article = articles[i]
            if article.title_line is not None:
                skip.update(range(i + 1, article.title_line + 1))
        elif (division := _division(lines, i)) is not None:
            close()
            level, heading, title_line = division
            path = push_heading(path, level, heading)
            if title_line is not None:
                skip.update(range(i + 1, title_line + 1))
        elif _CLOSING.match(text):
            close()
            path = ()
            body.append(block)
            closed = True
        elif closed and article is None and (instrument := _instrument_title(lines, i)) is not None:
            close()
            title, last = instrument
            path = push_heading((), 0, title)  # "Protocol No. 4 to the Convention ..." after the Convention
            skip.update(range(i + 1, last + 1))
        elif (block.role == "heading" and article is None) or _is_capital_heading(text):
            close()
            path = push_heading(path, _GENERIC_LEVEL if block.role == "heading" else 0, text)
        elif text:
            body.append(block)
    close()
    return chunks


def _article_starts(lines: Sequence[Block]) -> dict[int, _ArticleStart]:
    """Line index -> Article for each line that opens an Article (in sequence, not a cross-reference)."""
    candidates = []
    for i, block in enumerate(lines):
        match = _ARTICLE.match(block.text.strip())
        if match:
            number = int(match.group(1)) if match.group(1) else _roman(match.group(3))
            suffix = ord(match.group(2)) - ord("a") + 1 if match.group(2) else 0
            # "Article 26" may be a cross-reference that wrapping left alone on its line: then the line
            # before stops mid-sentence (as does a Chapter title before a heading) and the line after
            # carries on the sentence in lower case (as does a title in small capitals, lower case in
            # the UNHCR PDF). Doubt only makes it lose a tie for its number in the run of Articles.
            doubt = (0.0 if ends_sentence(_previous_text(lines, i)) else 0.5) + (
                0.4 if _continues_sentence(lines, i) else 0.0
            )
            candidates.append(Candidate(i, number, suffix, doubt))
    starts = {}
    for i in _article_runs(lines, candidates):
        heading = " ".join(lines[i].text.split())
        number = "".join(g for g in _ARTICLE.match(heading).groups() if g)
        title_line = _title_line(lines, i)
        title = lines[title_line].text.strip() if title_line is not None else ""
        starts[i] = _ArticleStart(number, heading, title, title_line)
    return starts


def _article_runs(lines: Sequence[Block], candidates: list[Candidate]) -> list[int]:
    """Positions of the Article headings: a run of numbers per instrument.

    A file may hold several instruments, each closed by its signature formula and restarting at
    Article 1: the ECHR with its Protocols, the UNHCR booklet with the Refugee Convention (Articles
    1-46) and the 1967 Protocol (Articles I-XI). Past the first, a run needs a few Articles to count.
    """
    closings = [i for i, b in enumerate(lines) if _CLOSING.match(b.text.strip())]
    bounds = [-1, *closings, len(lines)]
    positions: list[int] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        segment = [c for c in candidates if start < c.position < end]
        run = [segment[k].position for k in numbering_run(segment, max_gap=5)]
        if len(run) >= (_MIN_ARTICLES if positions else 1):
            positions += run
    return positions


def _unmarked(block: Block) -> Block:
    """A markdown heading ("#Article 19", "# SCHEDULE") as the plain line it stands for."""
    if block.role == "heading" or block.text.lstrip().startswith("#"):
        return Block(heading_level_and_title(block.text)[1], block.page, "heading")
    return block


def _roman(numeral: str) -> int:
    values = [_ROMAN[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _next_index(lines: Sequence[Block], i: int) -> int | None:
    return next((j for j in range(i + 1, len(lines)) if lines[j].text.strip()), None)


def _previous_text(lines: Sequence[Block], i: int) -> str:
    return next((lines[j].text.strip() for j in range(i - 1, -1, -1) if lines[j].text.strip()), "")


def _continues_sentence(lines: Sequence[Block], i: int) -> bool:
    """Whether the next line carries on a sentence ("Article 26" + "shall apply ..."): a cross-reference."""
    j = _next_index(lines, i)
    return j is not None and lines[j].text.strip()[0].islower()


def _title_line(lines: Sequence[Block], i: int) -> int | None:
    """The line after a heading if it is the heading's title ("Modalities and time limits")."""
    j = _next_index(lines, i)
    if j is None:
        return None
    text = lines[j].text.strip()
    if lines[j].role == "heading" and not _ARTICLE.match(text) and not _DIVISION.match(text):
        return j  # the reader marks it as a heading (EUR-Lex HTML titles run to 250 characters)
    if (
        len(text) > _LONGEST_TITLE
        or text.endswith((".", ";", ":", ","))
        or is_enumerator(text)
        or not (text[0].isupper() or text[0] in "“‘\"'(" or len(text) <= _LONGEST_LOWER_CASE_TITLE)
        or _ARTICLE.match(text)
        or _DIVISION.match(text)
        or _continues_sentence(lines, j)
    ):
        return None
    return j


def _division_lines(lines: Sequence[Block]) -> list[int]:
    return [i for i in range(len(lines)) if _division(lines, i) is not None]


def _division(lines: Sequence[Block], i: int) -> tuple[int, str, int | None] | None:
    """(level, heading text, index of its title's last line) if line i opens a Chapter, Section, Annex ..."""
    text = " ".join(lines[i].text.split())
    match = _DIVISION.match(text)
    if not match or _continues_sentence(lines, i):
        return None
    kind = (match.group("kind") or match.group("bare")).upper()
    title_line = None if match.group("title") else _title_line(lines, i)
    if title_line is None:
        return _DIVISION_LEVELS[kind], text, None
    title = lines[title_line].text.strip()
    # A title in capitals wrapped over two lines: "CRITERIA FOR DETERMINING THE MEMBER STATE" + "RESPONSIBLE".
    following = _next_index(lines, title_line)
    if (
        following is not None
        and is_upper_case(title)
        and _is_title_continuation(lines[following].text.strip())
    ):
        title, title_line = f"{title} {lines[following].text.strip()}", following
    return _DIVISION_LEVELS[kind], f"{text} — {title}", title_line


def _is_title_continuation(text: str) -> bool:
    return (
        is_upper_case(text)
        and len(text.split()) <= 3
        and not _ARTICLE.match(text)
        and not _DIVISION.match(text)
        and not is_enumerator(text)
    )


def _instrument_title(lines: Sequence[Block], i: int) -> tuple[str, int] | None:
    """(title, index of its last line) if line i opens the title of a further instrument: "Protocol" +
    "to the Convention" + "for the Protection of Human Rights" + ... as a PDF sets it."""
    text = lines[i].text.strip()
    if not _INSTRUMENT.match(text) or len(text) > _LONGEST_TITLE:
        return None
    parts, last = [text], i
    while (j := _next_index(lines, last)) is not None:
        following = lines[j].text.strip()
        continues = following[0].islower() or parts[-1].split()[-1].lower() in _LINKING_WORDS
        if not continues or len(following) > 60 or following.endswith((".", ",", ";", ":")):
            break
        parts.append(following)
        last = j
    return " ".join(parts), last


def _is_capital_heading(text: str) -> bool:
    """A heading in capitals after the Articles: "FINAL ACT OF THE ...", "STATEMENT BY THE COUNCIL ..."."""
    return (
        len(text.split()) >= 3
        and len(text) <= 250
        and is_upper_case(text)
        and not text.endswith((".", ",", ";"))
    )


def _preamble_chunks(
    lines: Sequence[Block], budget: TokenBudget, wrapped: bool
) -> list[Chunk]:
    """The preamble: one chunk per recital "(12) ..." (labelled "recital 12"), the rest as prose."""
    candidates, texts = [], {}
    for i, block in enumerate(lines):
        match = _RECITAL.match(block.text.strip())
        if match and block.role != "heading":
            candidates.append(Candidate(i, int(match.group(1))))
            texts[i] = (match.group(1), match.group(2))
    run = {candidates[k].position for k in numbering_run(candidates, max_gap=3)}
    starts = run if len(run) >= 2 else set()
    chunks: list[Chunk] = []
    prose: list[Paragraph] = []
    path: HeadingPath = ()
    recital: tuple[str, list[Block]] | None = None

    def close_recital() -> None:
        nonlocal recital
        if recital is not None:
            number, body = recital
            chunks.extend(
                numbered_chunks(
                    join_lines([b.text for b in body], wrapped),
                    budget,
                    heading=heading_texts(path),
                    paragraph=f"recital {number}",
                    page=body[0].page,
                )
            )
        recital = None

    for i, block in enumerate(lines):
        text = block.text.strip()
        if i in starts:
            close_recital()
            chunks.extend(pack_paragraphs(_merge_wrapped(prose, wrapped), budget))
            prose.clear()
            number, first = texts[i]
            recital = (number, [Block(first, block.page)])
        elif block.role == "heading" or _PREAMBLE_HEADING.match(text):
            close_recital()
            path = push_heading(path, 0, text)
        elif recital is not None and text and not (is_upper_case(text) and len(text.split()) > 1):
            recital[1].append(block)
        elif text:
            close_recital()  # "HAVE ADOPTED THIS REGULATION:" ends the last recital
            prose.append(Paragraph(text, heading_texts(path), block.page))
    close_recital()
    return chunks + pack_paragraphs(_merge_wrapped(prose, wrapped), budget)


def _merge_wrapped(paragraphs: list[Paragraph], wrapped: bool) -> list[Paragraph]:
    """In hard-wrapped text, consecutive lines of a sentence form one paragraph."""
    if not wrapped:
        return paragraphs
    merged: list[Paragraph] = []
    for paragraph in paragraphs:
        if merged and merged[-1].heading == paragraph.heading and not ends_sentence(merged[-1].text):
            previous = merged[-1]
            merged[-1] = Paragraph(
                join_lines([previous.text, paragraph.text], True), previous.heading, previous.page
            )
        else:
            merged.append(paragraph)
    return merged


def _article_chunks(
    article: _ArticleStart,
    body: Sequence[Block],
    path: tuple[str, ...],
    budget: TokenBudget,
    wrapped: bool,
) -> list[Chunk]:
    """One chunk for an Article that fits; else one per numbered paragraph (its points kept with it)."""
    heading = (*path, f"{article.heading} — {article.title}" if article.title else article.heading)
    text = join_lines([b.text for b in body], wrapped)
    page = body[0].page if body else None
    if not text:
        return []
    if budget.fits(text):
        return [Chunk(text, heading, article=article.number, page=page)]
    units: list[tuple[str | None, list[Block]]] = [(None, [])]
    expected = 1
    for block in body:
        match = _PARAGRAPH.match(block.text.strip())
        if match and int(match.group(1)) == expected:
            units.append((match.group(1), [Block(match.group(2), block.page)]))
            expected += 1
        else:
            units[-1][1].append(block)
    if expected == 1:  # no numbered paragraphs: points and subparagraphs packed in order, as parts
        packed = pack_paragraphs(
            _points(body, heading, wrapped), budget, article=article.number, separator="\n"
        )
        return [replace(chunk, part=part) for part, chunk in enumerate(packed, start=1)]
    chunks = []
    for number, lines in units:
        if lines:
            chunks += numbered_chunks(
                join_lines([b.text for b in lines], wrapped),
                budget,
                heading=heading,
                paragraph=number,
                article=article.number,
                page=lines[0].page,
            )
    return chunks


def _points(body: Sequence[Block], heading: tuple[str, ...], wrapped: bool) -> list[Paragraph]:
    """An Article's text cut before each enumerator line ("(a)", "–") and each new subparagraph."""
    groups: list[list[Block]] = []
    for block in body:
        text = block.text.strip()
        if not groups or is_enumerator(text) or not wrapped or ends_sentence(groups[-1][-1].text):
            groups.append([block])
        else:
            groups[-1].append(block)
    return [
        Paragraph(join_lines([b.text for b in group], wrapped), heading, group[0].page) for group in groups
    ]
