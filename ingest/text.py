"""Read plain text and Markdown files into one Block per line; a blank line is a paragraph break."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable

import yaml

from ingest.errors import UnreadableDocument
from ingest.layout import clean_line, join_hyphenated, strip_running_lines
from ingest.records import Block, ParsedDocument, SourceFile
from ingest.whitespace import append_block, trim_breaks

log = logging.getLogger(__name__)

# Byte order marks, longest first: a UTF-16 file is full of NUL bytes and must not pass for binary.
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))

_FRONT_MATTER_END = ("---", "...")
_LONGEST_FRONT_MATTER = 64 * 1024
_LOOSE_FIELD = re.compile(r"([A-Za-z_][\w-]*):\s*(.*?)\s*$")
_BLOCKQUOTE = re.compile(r"^\s*(?:>\s?)+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
# Bracketed text may hold one level of brackets ("![[Report](…)](…)"), a URL one level of parentheses.
_BRACKETED = r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
_URL = r"\((?:[^()]|\([^()]*\))*\)"
_IMAGE = re.compile("!" + _BRACKETED + _URL)
_LINK = re.compile(_BRACKETED + _URL)
# Emphasis opens after a non-word character and closes before one, so "snake_case_name" is left alone.
_EMPHASIS = re.compile(r"(?<![\w*_])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*_])")
# CommonMark's backslash escapes: "\." "\(" "\|" "\-" print as the character itself.
_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
# While emphasis and links are undone, an escaped character waits in the Private Use Area, so that an
# escaped "\*" or "\[" is not taken for markup.
_ESCAPED_BASE = 0xF0000
_ESCAPED = re.compile(f"[{chr(_ESCAPED_BASE)}-{chr(_ESCAPED_BASE + 0x7F)}]")


def read_text(source: SourceFile) -> ParsedDocument:
    """Read a .txt or .md file: one Block per line, a blank line as Block("") (runs collapsed).

    Markdown loses its markup (headings become role="heading" blocks); its YAML front matter goes to
    `declared`. Plain text loses the running headers and hyphenated line breaks that PDF-to-text
    conversion leaves behind.
    """
    path = source.name
    text = _decode(source.data, path)
    if not text.strip():
        raise UnreadableDocument(path, "empty file")
    lines = text.splitlines()
    if source.format == "md":
        try:
            declared, body = split_front_matter(lines)
        except FrontMatterRefused as refused:
            raise UnreadableDocument(path, str(refused)) from None
        line_blocks = markdown_blocks(body)
    else:
        declared = {}
        line_blocks = join_hyphenated(strip_running_lines([Block(clean_line(line)) for line in lines]))
    blocks: list[Block] = []
    for block in line_blocks:  # a run of blank lines becomes one paragraph break, none at either end
        append_block(blocks, block)
    blocks = trim_breaks(blocks)
    if not blocks:
        raise UnreadableDocument(path, "no text besides the front matter")
    return ParsedDocument(blocks=blocks, declared=declared)


def _decode(raw: bytes, path: str) -> str:
    """UTF-8, or UTF-16 (with a byte order mark, or without one when its zero bytes show it); a file that is not
    UTF-8 is taken as Windows cp1252."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in raw:
        encoding = _utf16_without_bom(raw)
        if encoding is None:
            raise UnreadableDocument(path, "not a text file (it contains binary data)")
        return raw.decode(encoding, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        log.debug("%s is not UTF-8; reading it as cp1252", path)
        return raw.decode("cp1252", errors="replace")


def _utf16_without_bom(raw: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the bytes look like UTF-16 text: every other byte is the high byte of a
    character of one or two scripts (0 for Latin, 4 for Cyrillic...), the others are almost never 0; None for
    binary data."""
    sample = raw[: 1 << 16]
    for encoding, high, low in (("utf-16-le", sample[1::2], sample[0::2]), ("utf-16-be", sample[0::2], sample[1::2])):
        scripts = sum(count for _, count in Counter(high).most_common(2))
        if high and 0 in high and scripts >= 0.9 * len(high) and low.count(0) <= 0.02 * len(low):
            return encoding
    return None


class FrontMatterRefused(ValueError):
    """Front matter that would cost more to read than any description of a document is worth."""


def split_front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """A Markdown file's YAML front matter ("---" … "---") as strings, and the lines after it.

    Lists are joined with "; ", nested mappings flattened to dotted keys ("image.path"). FrontMatterRefused for
    front matter over 64 KB or with YAML aliases.
    """
    if not lines or lines[0].strip() != "---":
        return {}, lines
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in _FRONT_MATTER_END), None)
    if end is None:
        return {}, lines
    text = "\n".join(lines[1:end])
    if len(text) > _LONGEST_FRONT_MATTER:
        raise FrontMatterRefused(
            f"its front matter (the YAML between the first two '---' lines) has {len(text):,} characters; a "
            f"description of a document has a few hundred"
        )
    try:
        data = _yaml(text)
    except yaml.YAMLError as error:
        # Exporters write "title: News Digest 1/7/22: court decided" unquoted, which YAML refuses.
        log.debug("front matter is not valid YAML (%s); reading it line by line", error)
        data = _loose_front_matter(lines[1:end])
    if not isinstance(data, dict):
        return {}, lines  # "---" opened a thematic break, not front matter
    return dict(_flatten(data)), lines[end + 1 :]


def _loose_front_matter(lines: list[str]) -> dict[str, object]:
    """Top-level "key: value" lines, each value read as YAML where it can be and as text where not."""
    data: dict[str, object] = {}
    for line in lines:
        match = _LOOSE_FIELD.match(line)
        if match:
            key, raw = match.groups()
            try:
                value = _yaml(raw)
            except yaml.YAMLError:
                value = raw
            data[key] = raw if isinstance(value, dict) else value
    return data


def _yaml(text: str) -> object:
    """YAML with every scalar as written (BaseLoader: "2022-07-02T19:55:32.529+0100", "24.753930"), refusing
    aliases: front matter has no use for them, and a few lines of nested aliases name billions of values."""
    if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.BaseLoader)):
        raise FrontMatterRefused(
            "its front matter repeats values through YAML aliases (*name), which can make a few lines stand "
            "for billions of values; write the values out instead"
        )
    return yaml.load(text, Loader=yaml.BaseLoader)


def _flatten(data: dict[object, object], prefix: str = "") -> Iterable[tuple[str, str]]:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}.")
        elif text := _as_text(value):
            yield name, text


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(text for item in value if (text := _as_text(item)))
    return str(value).strip()


def markdown_blocks(lines: Iterable[str]) -> list[Block]:
    """Markdown lines as text blocks: headings marked, images dropped, links and emphasis undone."""
    blocks = []
    for line in lines:
        quoted = _BLOCKQUOTE.sub("", line)
        if not quoted.strip():  # a blank line, or a bare ">" between paragraphs of a quotation
            blocks.append(Block(""))
            continue
        heading = _HEADING.match(quoted)
        text = markdown_inline(heading.group(1) if heading else quoted)
        if text:  # a line of markup only (an image) goes without leaving a paragraph break
            blocks.append(Block(text, role="heading" if heading else ""))
    return blocks


def markdown_inline(text: str) -> str:
    """One line of Markdown as plain text.

    "[The Court](https://…) held \\(**unanimously**\\)" → "The Court held (unanimously)".
    """
    text = _ESCAPE.sub(lambda match: chr(_ESCAPED_BASE + ord(match.group(1))), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    while (unemphasised := _EMPHASIS.sub(r"\2", text)) != text:  # nested: "**_x_**"
        text = unemphasised
    text = _ESCAPED.sub(lambda match: chr(ord(match.group()) - _ESCAPED_BASE), text)
    return clean_line(text)
