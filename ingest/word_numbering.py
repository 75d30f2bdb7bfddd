"""Paragraph styles and the numbers Word prints that are not in the text: list numbering and SEQ fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Style:
    """A paragraph style, as far as reading needs it."""

    name: str
    based_on: str | None
    numbering: tuple[str, int] | None  # (numId, level) of the list numbering the style applies
    outline: int | None  # outline level 0-8 of a heading style; 9 or None for body text


@dataclass(frozen=True)
class Level:
    """How one level of a list prints its number."""

    start: int = 1
    format: str = "decimal"
    text: str = ""  # "%1." with %N standing for level N's number
    suffix: str = "tab"


def read_styles(root: etree._Element) -> dict[str, Style]:
    """The styles of a styles.xml part by style id."""
    styles = {}
    for style in root.iter(W + "style"):
        numbering = style.find(f"{W}pPr/{W}numPr")
        styles[style.get(W + "styleId", "")] = Style(
            name=value(style.find(W + "name")) or "",
            based_on=value(style.find(W + "basedOn")),
            numbering=numbering_reference(numbering) if numbering is not None else None,
            outline=integer(value(style.find(f"{W}pPr/{W}outlineLvl"))),
        )
    return styles


def default_style(root: etree._Element | None) -> str | None:
    """The id of the style a paragraph without w:pStyle has ("Normal")."""
    for style in root.iter(W + "style") if root is not None else ():
        if style.get(W + "type") == "paragraph" and style.get(W + "default") in ("1", "true"):
            return style.get(W + "styleId")
    return None


def style_chain(styles: dict[str, Style], style_id: str | None) -> Iterator[Style]:
    """A style and the styles it is based on, nearest first."""
    seen = set()
    while style_id and style_id in styles and style_id not in seen:
        seen.add(style_id)
        yield styles[style_id]
        style_id = styles[style_id].based_on


def read_numbering(root: etree._Element) -> dict[str, dict[int, Level]]:
    """The level formats of each list (numId) of a numbering.xml part, its overrides applied."""
    abstract = {
        definition.get(W + "abstractNumId"): {
            int(level.get(W + "ilvl", "0")): _level(level) for level in definition.iter(W + "lvl")
        }
        for definition in root.iter(W + "abstractNum")
    }
    lists = {}
    for instance in root.iter(W + "num"):
        levels = dict(abstract.get(value(instance.find(W + "abstractNumId")), {}))
        for override in instance.iter(W + "lvlOverride"):
            number = int(override.get(W + "ilvl", "0"))
            level = override.find(W + "lvl")
            if level is not None:
                levels[number] = _level(level)
            start = integer(value(override.find(W + "startOverride")))
            if start is not None:
                levels[number] = replace(levels.get(number, Level()), start=start)
        lists[instance.get(W + "numId", "")] = levels
    return lists


def _level(level: etree._Element) -> Level:
    return Level(
        # OOXML's default start is 0 when w:start is absent.
        start=integer(value(level.find(W + "start"))) or 0,
        format=value(level.find(W + "numFmt")) or "decimal",
        text=value(level.find(W + "lvlText")) or "",
        suffix=value(level.find(W + "suff")) or "tab",
    )


def list_label(
    paragraph: etree._Element,
    chain: list[Style],
    numbering: dict[str, dict[int, Level]],
    counters: dict[str, list[int]],
) -> str:
    """The list number Word prints before a paragraph ("3. ", "(b) "); advances `counters` (numId: levels)."""
    direct = paragraph.find(f"{W}pPr/{W}numPr")
    reference = numbering_reference(direct) if direct is not None else None
    if reference is None and direct is None:
        reference = next((style.numbering for style in chain if style.numbering), None)
    if reference is None or reference[0] not in numbering:
        return ""
    list_id, depth = reference
    levels = numbering[list_id]
    counts = counters.setdefault(list_id, [0] * 9)
    depth = min(depth, 8)
    counts[depth] = counts[depth] + 1 if counts[depth] else levels.get(depth, Level()).start
    counts[depth + 1 :] = [0] * (8 - depth)
    level = levels.get(depth, Level())
    if level.format in ("bullet", "none"):
        # A bullet's lvlText is a symbol-font code point (U+F0B7) with no meaning as text.
        return ""

    def number(match: re.Match) -> str:
        index = int(match.group(1)) - 1
        shown = levels.get(index, Level())
        return _format_number(counts[index] or shown.start, shown.format)

    label = re.sub(r"%([1-9])", number, level.text)
    return label + ("" if level.suffix == "nothing" or not label else " ")


def numbering_reference(numbering: etree._Element) -> tuple[str, int] | None:
    """(numId, level) of a w:numPr, or None for numId 0, which switches numbering off."""
    list_id = value(numbering.find(W + "numId"))
    if not list_id or list_id == "0":
        return None
    return list_id, integer(value(numbering.find(W + "ilvl"))) or 0


def sequence_number(instruction: str, counters: dict[str, int]) -> str | None:
    """Advance a SEQ field's counter and return the number it shows; None for other fields or \\h (hidden)."""
    match = re.match(r"\s*SEQ\s+(\S+)(.*)", instruction, re.S | re.I)
    if not match:
        return None
    name, switches = match.group(1), match.group(2)
    # Switches may run together, as in HUDOC's "SEQ level0 \*arabic\r59" (an extract resuming at § 59).
    reset = re.search(r"\\r\s*(\d+)", switches)
    if reset:
        counters[name] = int(reset.group(1))
    elif not re.search(r"\\c(?![a-z])", switches):
        counters[name] = counters.get(name, 0) + 1
    if re.search(r"\\h(?![a-z])", switches):
        return None
    number_format = re.search(r"\\\*\s*(\w+)", switches)
    return _format_number(counters.get(name, 0), number_format.group(1) if number_format else "arabic")


def _format_number(number: int, number_format: str) -> str:
    """A counter as a SEQ switch (\\* roman) or a list level's w:numFmt (lowerRoman) prints it."""
    if number_format in ("roman", "lowerRoman"):
        return _roman(number).lower()
    if number_format in ("ROMAN", "Roman", "upperRoman"):
        return _roman(number)
    if number_format in ("alphabetic", "lowerLetter"):
        return _letters(number)
    if number_format in ("ALPHABETIC", "Alphabetic", "upperLetter"):
        return _letters(number).upper()
    return str(number)


def _roman(number: int) -> str:
    numerals = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    result = ""
    for amount, numeral in numerals:
        count, number = divmod(number, amount)
        result += numeral * count
    return result


def _letters(number: int) -> str:
    # Word counts a..z, then aa..zz, then aaa...
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1) if number > 0 else ""


def value(element: etree._Element | None) -> str | None:
    """The w:val attribute of an optional element."""
    return element.get(W + "val") if element is not None else None


def integer(text: str | None) -> int | None:
    return int(text) if text and text.lstrip("-").isdigit() else None
