"""Headings and formulas that flattened HUDOC text runs into the neighbouring text, given their own line.

"... would not be returned in 2003. COMPLAINTS", "... des abus. EN DROIT a) Griefs ...",
"THE LAW ALLEGED VIOLATION OF ARTICLES 2, 3 AND 13", "RELEVANT LEGAL FRAMEWORK AND PRACTICE Relevant
domestic law and practice", "... Convention. For these reasons, the Court unanimously Declares ...".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.lines import is_upper_case
from ingest.records import Block

# The headings of the first rank of ECtHR judgments and decisions, English and French.
_TOP_LEVEL = (
    r"PROCEDURE|PROCÉDURE|THE FACTS|EN FAIT|THE LAW|EN DROIT|COMPLAINTS|GRIEFS|INTRODUCTION|AS TO THE LAW"
    r"|RELEVANT LEGAL FRAMEWORK(?: AND PRACTICE)?|CADRE JURIDIQUE(?: ET PRATIQUE)? PERTINENTS?"
)
_TOP_LEVEL_LINE = re.compile(rf"^(?:{_TOP_LEVEL}|FOR THESE REASONS.*|PAR CES MOTIFS.*)$")
# Inside a line: after the end of a sentence, and followed by the end of the line or by text that is
# not itself in capitals ("PROCEDURE ON THE MERITS" is a heading of its own, not "PROCEDURE" + text).
_TOP_LEVEL_THEN_MORE = re.compile(rf"^({_TOP_LEVEL})\s+(\S.{{0,200}})$")
_INLINE_TOP_LEVEL = re.compile(rf"(?:^|(?<=[.:;”»)]\s))({_TOP_LEVEL})(?=\s*$|\s+(?![A-ZÀ-Þ]{{2,}}\b)\S)")
_OPERATIVE_FORMULA = (
    r"(?:FOR THESE REASONS,? THE COURT|For these reasons,? the Court"
    r"|PAR CES MOTIFS,? LA COUR|Par ces motifs,? la Cour)"
    r"(?:,? (?:UNANIMOUSLY|unanimously|BY A MAJORITY|by a majority|À L’UNANIMITÉ|à l’unanimité))?,?"
)
# The opening of an operative part: the formula, then the end of the line or a ruling verb with a capital
# ("Declares", "Holds"); "For these reasons, the Court considers ..." in the reasoning is no opening.
OPERATIVE = re.compile(
    rf"^{_OPERATIVE_FORMULA}(?:\s*$|\s+[A-ZÀ-Þ][a-zà-ÿ]+\b)"
    r"|^On those grounds,? the Court\b.*\bhereby\b|^Par ces motifs,? la Cour\b.*\b(?:dit pour droit|ordonne)"
)
_RUN_ON_OPERATIVE = re.compile(rf"(?<=\.\s){_OPERATIVE_FORMULA}\s+(?=[A-ZÀ-Þ][a-zà-ÿ]+\b)")
_LONGEST_TITLE = 120
_LINKING_WORDS = {
    "AND",
    "OR",
    "OF",
    "IN",
    "ON",
    "BEFORE",
    "AFTER",
    "TO",
    "FOR",
    "AT",
    "BY",
    "CONCERNING",
    "ET",
    "DE",
    "DU",
    "DES",
    "EN",
    "AU",
    "AUX",
    "DEVANT",
}


def is_top_level_heading(text: str) -> bool:
    """Whether a heading in capitals is of the first rank ("THE LAW"), not a section ("ALLEGED VIOLATION")."""
    return bool(_TOP_LEVEL_LINE.match(text))


def split_run_on_headings(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with run-on headings split off as blocks of role "heading"."""
    lines: list[Block] = []
    for block in blocks:
        lines += _split_block(block)
    return lines


def _split_block(block: Block) -> list[Block]:
    text = block.text.strip()
    if block.role == "heading" or not text:
        return [block]
    top = _TOP_LEVEL_THEN_MORE.match(text)
    # "THE LAW" + "ALLEGED VIOLATION OF ARTICLES 2, 3 AND 13"; "PROCEDURE BEFORE THE CHAMBER" is one heading.
    if top and is_upper_case(text) and top.group(2).split()[0] not in _LINKING_WORDS:
        return [Block(top.group(1), block.page, "heading"), Block(top.group(2), block.page, "heading")]
    leading = _leading_capitals(text)
    if leading and _is_short_title(text[len(leading) :].strip()):  # "RELEVANT ... PRACTICE" + "Relevant ..."
        return [
            Block(leading, block.page, "heading"),
            Block(text[len(leading) :].strip(), block.page, "heading"),
        ]
    pieces = []
    operative = _RUN_ON_OPERATIVE.search(text)
    # "27. For these reasons, the Court ... Declares ..." is a paragraph of its own: no split after "27."
    if operative and not re.fullmatch(r"\d+\.", text[: operative.start()].strip()):
        pieces.append(Block(text[: operative.start()].strip(), block.page))
        text = text[operative.start() :]
    position = 0
    for match in _INLINE_TOP_LEVEL.finditer(text):
        if text[position : match.start()].strip():
            pieces.append(Block(text[position : match.start()].strip(), block.page))
        pieces.append(Block(match.group(1), block.page, "heading"))
        position = match.end()
    if text[position:].strip():
        pieces.append(Block(text[position:].strip(), block.page) if pieces else block)
    return pieces


def _leading_capitals(text: str) -> str:
    """A run of two or more words in capitals opening the line, when more text follows it."""
    words = text.split()
    count = 0
    while count < len(words) and _is_capital_word(words[count]):
        count += 1
    if count < 2 or count == len(words) or sum(c.isalpha() for w in words[:count] for c in w) < 8:
        return ""
    leading = " ".join(words[:count])
    return leading if text.startswith(leading) else ""


def _is_capital_word(word: str) -> bool:
    return (
        any(c.isalpha() for c in word)
        and word.upper() == word
        and not re.match(r"^\(?[IVXLC]+\.|^[A-Z]\.", word)
    )


def _is_short_title(text: str) -> bool:
    return 0 < len(text) <= _LONGEST_TITLE and not text.endswith((".", ";", ":", ",")) and text[0].isupper()
