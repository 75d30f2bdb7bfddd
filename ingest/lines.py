"""Line-level helpers shared by the chunkers: enumerators, wrapped-line joining, heading paths."""

from __future__ import annotations

import re
from collections.abc import Sequence

# A line that opens a list item or numbered paragraph: "(a)", "(a)in" (the ECHR text has no space),
# "(iv)", "a)", "1.", "12.1.", "(3)", "( 3 )", "A.", dashes and bullets (PDF extraction leaves some
# bullets as C1 control or private-use characters).
ENUMERATOR = re.compile(
    r"^(?:\([a-z]{1,2}\)|\((?:[ivxlc]+|\d{1,3}[a-z]?)\)|\(\s\d{1,3}\s\)|[a-z]\)(?=\s)|\d{1,3}[a-z]?\.(?:\d{1,3}\.)*(?=\s)"
    r"|[A-Z]\.(?=\s)|[–—•▪·●\-](?=\s)|[\u0080-\u009f\ue000-\uf8ff])"  # PDF bullets: C1 controls, private use
)
# Text that ends a sentence or a clause: a new line may follow it without breaking a sentence.
_SENTENCE_END = re.compile(r"[.:;!?…][\"'”’»)\]]*$")
# Running heading path: each entry is (level, text); a smaller level is an outer heading.
HeadingPath = tuple[tuple[int, str], ...]


def is_enumerator(line: str) -> bool:
    """Whether a line starts a list item or a numbered paragraph."""
    return bool(ENUMERATOR.match(line.lstrip()))


def ends_sentence(line: str) -> bool:
    """Whether a line ends with sentence or clause punctuation (so the next line is not its continuation)."""
    # Markdown escapes its full stops ("heard\\."), so backslashes are ignored.
    return bool(_SENTENCE_END.search(line.rstrip().replace("\\", "")))


def is_hard_wrapped(lines: Sequence[str]) -> bool:
    """Whether a text is hard-wrapped (PDF-derived): most of its lines stop in the middle of a sentence."""
    pairs = [(a, b) for a, b in zip(lines, lines[1:], strict=False) if a.strip() and b.strip()]
    if len(pairs) < 10:
        return False
    unfinished = sum(not ends_sentence(a) and not is_enumerator(b) for a, b in pairs)
    return unfinished >= 0.4 * len(pairs)


def join_lines(lines: Sequence[str], hard_wrapped: bool) -> str:
    """Join the lines of one passage into its text.

    Hard-wrapped lines are joined with a space, and a new line starts only before an enumerator
    ("(a)", "1.", "–"); in text with one line per paragraph, every line keeps its own line.
    """
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if not text:
            text = line
        elif not hard_wrapped or is_enumerator(line):
            text += "\n" + line
        elif text.endswith("-") and text[-2:-1].isalpha() and line[0].islower():
            text += line  # a word hyphenated across lines: "third-\ncountry", "non-\nrefoulement"
        else:
            text += " " + line
    return text


def is_upper_case(text: str) -> bool:
    """Whether the letters of a line are (nearly) all capitals: "IV. ALLEGED VIOLATION OF ... No. 4"."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return False
    return sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def push_heading(path: HeadingPath, level: int, text: str) -> HeadingPath:
    """The heading path after a heading at `level`: it replaces the headings at its level and below."""
    return tuple(entry for entry in path if entry[0] < level) + ((level, text),)


def heading_texts(path: HeadingPath) -> tuple[str, ...]:
    """The heading path as Chunk.heading wants it: the texts, outermost first."""
    return tuple(text for _, text in path)
