"""Chunking of judgments and decisions: one chunk per numbered paragraph (ECtHR "§ 180", CJEU
"paragraph 30"), the operative part and the separate opinions labelled as such."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.lines import HeadingPath, heading_texts, is_hard_wrapped, is_upper_case, join_lines, push_heading
from ingest.numbering import Candidate, numbering_run
from ingest.opinions import find_opinion_titles
from ingest.prose import Paragraph, heading_level_and_title, numbered_chunks, pack_paragraphs
from ingest.records import Block, Chunk
from ingest.runon import OPERATIVE, is_top_level_heading, split_run_on_headings
from ingest.sentences import TokenBudget

# Paragraph numbers: ECtHR "180. Having regard ...", CJEU "30 It is apparent ...".
_ECTHR_NUMBER = re.compile(r"^(\d{1,4})\.\s+(\S.*)$", re.S)
_CJEU_NUMBER = re.compile(r"^(\d{1,4}) (?=[^\s\d.])(.*)$", re.S)
# A paragraph number may skip this many numbers and stay in sequence (at a cost per number skipped, see
# numbering.py): a paragraph lost in conversion, or the omitted paragraphs of a judgment published in
# extracts (D.L. v. Bulgaria jumps from § 39 to § 59).
_MAX_GAP = 30
# The fewest paragraphs that make a text a numbered judgment rather than prose (old decisions number
# only their complaints "1.", "2.", and restart in "THE LAW").
_MIN_PARAGRAPHS = 3
# The share of a judgment's text (before the operative part) its numbered paragraphs must hold; judgments
# in the corpus hold 86-99 %, decisions numbering only their complaints 5-61 %.
_NUMBERED_SHARE = 0.75
# The end of the operative part: the formula of delivery and the signatures.
_CLOSING = re.compile(r"^(?:Done in |Done at |Fait en |Fait à |\[Signatures?\])")
# CJEU headings of the first rank; the others ("Question 1", "The Charter") sit under them.
_CJEU_TOP = re.compile(
    r"^(?:Legal (?:context|framework)|The dispute in the main proceedings|The facts"
    r"|Consideration of the question"
    r"|Procedure before the Court|The request (?:that|for)|The urgent preliminary ruling procedure|Costs"
    r"|The actions?\b|Jurisdiction of the Court|Admissibility)"
)
# Heading markers and their levels: "I." 1, "A." 2, "1." 3, "(a)"/"a." 4, "(i)"/"i." 5, "(α)" 6, "(1)" 7.
_MARKER = re.compile(
    r"^(?:(?P<roman>[IVXLC]+)\.|(?P<upper>[A-Z])\.|(?P<arabic>\d{1,2})\.|\((?P<lower>[a-z])\)|(?P<lower_dot>[a-z])\."
    r"|\((?P<lroman>[ivx]+)\)|(?P<lroman_dot>[ivx]+)\.|\(?(?P<greek>[α-ω])[.)]|\((?P<paren>\d{1,2})\))\s+(?P<title>\S.*)$"
)
_LEVELS = {
    "roman": 1,
    "upper": 2,
    "arabic": 3,
    "lower": 4,
    "lower_dot": 4,
    "lroman": 5,
    "lroman_dot": 5,
    "greek": 6,
    "paren": 7,
}
_UNMARKED_LEVEL = 8  # a heading without marker or capitals: the innermost
# Headings name instruments in full: Hirsi Jamaa's "5. Council Decision of 26 April 2010 supplementing the
# Schengen Borders Code ... (2010/252/EU)" has 312 characters.
_LONGEST_HEADING = 350
# CJEU headings have no marker; the longest in the corpus has 87 characters ("The dispute in the main
# proceedings and the questions referred ..."). A date line ("25 October 2017") is no heading.
_LONGEST_CJEU_HEADING = 150
_SENTENCE_CLOSED = re.compile(r"[.!?…][\"'”’»)\]]*$")


def split_judgment(blocks: Sequence[Block], budget: TokenBudget) -> list[Chunk]:
    """Chunk a judgment: a chunk (or parts) per numbered paragraph; prose if it has no numbered paragraphs."""
    lines = split_run_on_headings(blocks)
    wrapped = is_hard_wrapped([b.text for b in lines if b.role != "heading"])
    operative = next((i for i, b in enumerate(lines) if OPERATIVE.match(b.text.strip())), len(lines))
    main = lines[:operative]
    style, starts = _numbering_style(main)
    chunks: list[Chunk] = []
    if style is not None:
        chunks = _chunk_section(main, starts, style, budget, wrapped=wrapped)
    if not _mostly_numbered(chunks):
        return _chunk_section(lines, {}, "", budget, wrapped=wrapped)
    sections = _opinion_sections(lines[operative:])
    if sections[0][1]:
        chunks += _operative_chunks(sections[0][1], style, budget, wrapped)
    for label, section in sections[1:]:
        starts = _paragraph_starts(section, "ecthr")
        if len(starts) < 2:
            starts = {}
        chunks += _chunk_section(
            section, starts, "ecthr", budget, opinion=label, wrapped=wrapped
        )
    return chunks


def _numbering_style(lines: Sequence[Block]) -> tuple[str | None, dict[int, tuple[str, str]]]:
    """ "ecthr" ("1. ") or "cjeu" ("1 "), whichever numbers more paragraphs, with its paragraph starts;
    (None, {}) if neither numbers a few."""
    found = {style: _paragraph_starts(lines, style) for style in ("ecthr", "cjeu")}
    style = max(found, key=lambda s: len(found[s]))
    return (style, found[style]) if len(found[style]) >= _MIN_PARAGRAPHS else (None, {})


def _mostly_numbered(chunks: Sequence[Chunk]) -> bool:
    """Whether numbered paragraphs hold most of the text: judgments ~90 %; old decisions that number only
    their complaints ("1. The applicant complains ...") well under half."""
    total = sum(len(c.text) for c in chunks)
    numbered = sum(len(c.text) for c in chunks if c.paragraph is not None)
    return total > 0 and numbered >= _NUMBERED_SHARE * total


def _candidates(lines: Sequence[Block], style: str) -> list[tuple[Candidate, str]]:
    pattern = _ECTHR_NUMBER if style == "ecthr" else _CJEU_NUMBER
    found = []
    for i, block in enumerate(lines):
        match = pattern.match(block.text.strip()) if block.role != "heading" else None
        if match:
            text = match.group(2)
            found.append((Candidate(i, int(match.group(1)), doubt=_doubt(text)), text))
    return found


def _doubt(text: str) -> float:
    """How much a numbered line looks like something other than a paragraph."""
    stripped = text.rstrip()
    if (
        len(stripped) <= 120
        and not _SENTENCE_CLOSED.search(stripped)
        and not stripped.endswith((":", ";", ","))
    ):
        return 0.6  # a sub-heading "2. The applicants' submissions"
    if stripped.endswith((";", "; or", "; and", ", and", ", or")):
        return 0.4  # an item of a quoted list
    return 0.0


def _paragraph_starts(lines: Sequence[Block], style: str, label: str = "{}") -> dict[int, tuple[str, str]]:
    """Line index -> (the paragraph number put in `label`, text after the number) for the lines that
    open a paragraph."""
    found = _candidates(lines, style)
    run = numbering_run([c for c, _ in found], _MAX_GAP)
    return {found[i][0].position: (label.format(found[i][0].number), found[i][1]) for i in run}


def _opinion_sections(lines: Sequence[Block]) -> list[tuple[str | None, list[Block]]]:
    """Split what follows the operative part's opening at each opinion title: (None, operative part), then
    (label, opinion lines) per separate opinion."""
    sections: list[tuple[str | None, list[Block]]] = [(None, [])]
    for block in lines:
        position = 0
        for title in find_opinion_titles(block.text):
            before = block.text[position : title.start].strip()
            if before:
                sections[-1][1].append(Block(before, block.page, block.role))
            sections.append((title.label, []))
            position = title.end
        rest = block.text[position:].strip()
        if position == 0:
            sections[-1][1].append(block)
        elif rest:
            sections[-1][1].append(Block(rest, block.page, block.role))
    return sections


def _operative_chunks(
    lines: list[Block], style: str, budget: TokenBudget, wrapped: bool
) -> list[Chunk]:
    """The operative part: its points restart at 1, so they are labelled "operative part, point N"."""
    closing = next((i for i, b in enumerate(lines) if _CLOSING.match(b.text.strip())), len(lines))
    opening = lines[0]
    path: HeadingPath = ()
    body = lines[1:closing]
    formula = opening.text.strip()
    # "FOR THESE REASONS, THE COURT UNANIMOUSLY", "... hereby rules:" are headings; a line that goes on
    # ("... Declares the application inadmissible.") holds the rulings.
    if not formula.endswith(".") and (formula.endswith(":") or len(formula.split()) <= 8):
        path = push_heading(path, 0, formula)
    else:
        body = lines[:closing]
    starts = _paragraph_starts(body, "ecthr", label="operative part, point {}")
    chunks = _chunk_section(
        body, starts, style, budget, path=path, orphan="operative part", wrapped=wrapped
    )
    return chunks + _chunk_section(
        lines[closing:], {}, style, budget, path=path, wrapped=wrapped
    )


def _chunk_section(
    lines: Sequence[Block],
    starts: dict[int, tuple[str, str]],
    style: str,
    budget: TokenBudget,
    *,
    path: HeadingPath = (),
    opinion: str | None = None,
    orphan: str | None = None,
    wrapped: bool = False,
) -> list[Chunk]:
    """Chunk a run of lines: each start opens a labelled unit that takes the following lines up to the next
    start or heading; lines outside any unit are labelled `orphan`, or are prose if orphan is None."""
    chunks: list[Chunk] = []
    prose: list[Paragraph] = []
    unit: list[Block] = []  # the current unit's lines (its first line holds the text after the number)
    label: str | None = None
    numbered = False  # whether a numbered unit has begun

    def close_unit() -> None:
        nonlocal label
        if label is not None and unit:
            text = join_lines([b.text for b in unit], wrapped)
            chunks.extend(
                numbered_chunks(
                    text,
                    budget,
                    heading=heading_texts(path),
                    paragraph=label,
                    opinion=opinion,
                    page=unit[0].page,
                )
            )
        elif unit:
            prose.append(
                Paragraph(join_lines([b.text for b in unit], wrapped), heading_texts(path), unit[0].page)
            )
        unit.clear()
        label = None

    def close_prose() -> None:
        chunks.extend(pack_paragraphs(prose, budget, opinion=opinion))
        prose.clear()

    for i, block in enumerate(lines):
        text = block.text.strip()
        if i in starts:
            close_unit()
            close_prose()
            label, first = starts[i]
            unit.append(Block(first, block.page))
            numbered = True
        elif not text:
            if label is None:
                close_unit()  # a blank line ends a prose paragraph, not a numbered one
        elif (level_title := _heading(block, _next_text(lines, i), style, path, unit, numbered)) is not None:
            close_unit()
            path = push_heading(path, *level_title)
        else:
            if not unit and orphan is not None:
                close_prose()
                label = orphan
            unit.append(block)
            if label is None and not wrapped:
                close_unit()  # one line, one paragraph
    close_unit()
    close_prose()
    return chunks


def _heading(
    block: Block, next_text: str, style: str, path: HeadingPath, unit: Sequence[Block], numbered: bool
) -> tuple[int, str] | None:
    """(level, title) if the line is a heading, else None.

    Nothing inside an open quotation is a heading, nor a line whose sentence goes on in the next line
    (hard-wrapped text); before the first paragraph (`numbered` False) the short lines of a CJEU judgment
    are the parties' names.
    """
    text = block.text.strip()
    if block.role == "heading":
        _, title = heading_level_and_title(text)
        marker = _MARKER.match(title)
        if marker:
            return _marker_level(marker, path), title
        return _unmarked_level(title), title
    if len(text) > _LONGEST_HEADING or _in_quotation(unit) or next_text[:1].islower():
        return None
    if is_upper_case(text) and not text.endswith((".", ",", ";")):
        marker = _MARKER.match(text)
        return (_marker_level(marker, path) if marker else _unmarked_level(text)), text
    if unit and not _SENTENCE_CLOSED.search(unit[-1].text.rstrip()):
        return None  # a list item or a continuation of the paragraph's last sentence
    if not _title_like(text):
        return None
    marker = _MARKER.match(text)
    if marker and _title_like(marker.group("title")):
        return _marker_level(marker, path), text
    if style == "cjeu" and not marker and not text[0].isdigit() and len(text) <= _LONGEST_CJEU_HEADING:
        if _CJEU_TOP.match(text):
            return 0, text
        if numbered or text == "Judgment":
            return 1, text
    return None


def _next_text(lines: Sequence[Block], i: int) -> str:
    return next((b.text.strip() for b in lines[i + 1 :] if b.text.strip()), "")


def _unmarked_level(title: str) -> int:
    """ "THE LAW" 0; other capitals, a section like "ALLEGED VIOLATION OF ARTICLE 3", 1; else innermost."""
    if is_upper_case(title):
        return 0 if is_top_level_heading(title) else 1
    return _UNMARKED_LEVEL


def _in_quotation(unit: Sequence[Block]) -> bool:
    if not unit:
        return False
    text = " ".join(b.text for b in unit)
    return (
        unit[-1].text.rstrip().endswith(":")
        or text.count("“") > text.count("”")
        or text.count("«") > text.count("»")
    )


def _title_like(text: str) -> bool:
    stripped = text.strip()
    return (
        0 < len(stripped) <= _LONGEST_HEADING
        and not stripped.endswith((".", ";", ":", ","))
        and (stripped[0].isupper() or stripped[0].isdigit() or stripped[0] in "“‘\"'(«")
    )


def _marker_level(marker: re.Match[str], path: HeadingPath) -> int:
    kind = next(k for k in _LEVELS if marker.group(k))
    value = marker.group(kind)
    # "I.", "V.", "X." are Roman numerals unless they continue a lettered list ("H." then "I.").
    if kind == "roman" and len(value) == 1 and _follows_letter(value, path, 2):
        kind = "upper"
    if kind == "roman" and value in "CDLM":
        kind = "upper"
    if kind in ("lroman", "lroman_dot") and len(value) == 1 and _follows_letter(value, path, 4):
        kind = "lower"
    return _LEVELS[kind]


def _follows_letter(letter: str, path: HeadingPath, level: int) -> bool:
    previous = next((title for entry_level, title in path if entry_level == level), "")
    match = re.match(r"^\(?([A-Za-z])[.)]", previous)
    return bool(match) and ord(match.group(1).lower()) == ord(letter.lower()) - 1
