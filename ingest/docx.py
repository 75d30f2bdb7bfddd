"""Read a Word .docx file (HUDOC serves ECtHR judgments this way) into blocks.

HUDOC numbers judgment paragraphs with Word SEQ fields ("SEQ level0 \\*arabic"), so the number is a
field result, not plain text; other Word files number paragraphs with list numbering. Both are rendered, so a
numbered paragraph's block starts "180. " as the judgment prints it. The XML is read directly because text
inside smart tags, hyperlinks, content controls and field results is easily lost by higher-level libraries.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from ingest.errors import UnreadableDocument
from ingest.layout import footnote_blocks
from ingest.records import Block, ParsedDocument, SourceFile
from ingest.whitespace import LINE_BREAK, append_block, clean_inline, trim_breaks
from ingest.word_numbering import (
    Level,
    Style,
    W,
    default_style,
    integer,
    list_label,
    read_numbering,
    read_styles,
    sequence_number,
    style_chain,
    value,
)

_MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"

# Wrappers around paragraphs (tables, content controls, tracked insertions): their paragraphs are read in
# order.
_BLOCK_WRAPPERS = {W + tag for tag in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "ins", "moveTo")}
# Wrappers around runs inside a paragraph. Old HUDOC conversions wrap names and places in (nested) smart tags.
_INLINE_WRAPPERS = {
    W + tag
    for tag in ("smartTag", "hyperlink", "sdt", "sdtContent", "customXml", "ins", "moveTo", "dir", "bdo")
}
_MATH_ZONES = {_MATH + "oMath", _MATH + "oMathPara"}

# Style names that mark headings: Word's own, and HUDOC's templates, old ("Ju_H_Head", "Ju_H_I_Roman",
# "Ju_H_A", "Ju_H_1.", "Ju_H_a", "Ju_H_i"; "Opi_H_…" in separate opinions, "Dec_H_…" in decisions) and new
# ("ECHR_Title_1" for PROCEDURE / THE FACTS / THE LAW, "ECHR_Heading_1".."_7", "ECHR_Title_Centre_1" for an
# opinion's title).
_HEADING_STYLE = re.compile(
    r"^(heading \d|title|subtitle|ju_h_|opi_h_|dec_h_|echr_heading_|echr_title_)", re.I
)
# HUDOC's template leaves its own name as the document title.
_PLACEHOLDER_TITLES = {"ECHR", "CEDH"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Bounds on what one part of a .docx may unpack to. Judgments' document.xml hold a few MB (the corpus' largest
# 0.7 MB) compressed 8-12 times, and tens of thousands of XML elements; beyond these a file is a ZIP bomb or
# no text document, and parsing it would take minutes and gigabytes.
_MAX_PART_BYTES = 50 * 1024 * 1024
_MAX_RATIO = 100  # unpacked / packed, for parts over _RATIO_FROM bytes
_RATIO_FROM = 1024 * 1024
_MAX_ELEMENTS = 1_000_000
# External entities and network access stay off: a .docx is untrusted input.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


@dataclass(frozen=True)
class _Package:
    document: etree._Element
    styles: dict[str, Style]
    default_style: str | None
    numbering: dict[str, dict[int, Level]]  # numId -> level -> format
    notes: dict[tuple[str, str], etree._Element]  # ("footnote" | "endnote", id) -> note element
    core: etree._Element | None
    custom: etree._Element | None


@dataclass
class _Field:
    instruction: str = ""
    in_result: bool = False
    shown: bool = False  # the field's cached result printed something


@dataclass
class _State:
    """What reading in document order carries from paragraph to paragraph."""

    fields: list[_Field] = field(default_factory=list)  # open complex fields; one may span paragraphs
    sequences: dict[str, int] = field(default_factory=dict)  # SEQ counters by sequence name
    lists: dict[str, list[int]] = field(default_factory=dict)  # numId -> counters of levels 0..8
    notes: list[tuple[str, str]] = field(default_factory=list)  # notes in order of first reference

    @property
    def visible(self) -> bool:
        return all(open_field.in_result for open_field in self.fields)


def read_docx(file: SourceFile) -> ParsedDocument:
    """Read a .docx file's body into blocks (footnotes appended) and declare its meaningful properties."""
    source, data = file.name, file.data
    _refuse_other_formats(source, data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            package = _load_package(source, archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
        raise UnreadableDocument(
            source, "is a damaged .docx: its ZIP container cannot be unpacked; save it again from Word"
        ) from error
    blocks = _body_blocks(package)
    if not any(block.text for block in blocks):
        raise UnreadableDocument(
            source, "contains no text (perhaps only images, e.g. a scanned page); a text version is needed"
        )
    return ParsedDocument(blocks=blocks, declared=_declared(package))


def _refuse_other_formats(source: str, data: bytes) -> None:
    """Raise with a helpful reason when the bytes are not a ZIP package (the container of every .docx)."""
    if not data:
        raise UnreadableDocument(source, "is empty (0 bytes)")
    if data.startswith(_OLE_MAGIC):
        # Word saves a password-protected .docx as an OLE compound file holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableDocument(
                source,
                "is encrypted (password-protected): open it in Word, remove the password "
                "(File > Info > Protect Document) and save it, then add it again",
            )
        raise UnreadableDocument(
            source, "is an old Word 97-2003 .doc file, not a .docx: open it in Word and save it as .docx"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableDocument(
            source, "is not a .docx file (not a ZIP package): it may be damaged or have the wrong extension"
        )


def _load_package(source: str, archive: zipfile.ZipFile) -> _Package:
    """Parse the parts the reader needs, finding them through the package's relationships."""
    document_name = _related(source, archive, "", "officeDocument") or "word/document.xml"
    document = _xml(source, archive, document_name)
    if document is None or document.find(W + "body") is None:
        raise UnreadableDocument(
            source, "has no Word document body (word/document.xml): it is not a Word .docx file"
        )

    def part(kind: str) -> etree._Element | None:
        name = _related(source, archive, document_name, kind)
        return _xml(source, archive, name) if name else None

    styles_root = part("styles")
    styles = read_styles(styles_root) if styles_root is not None else {}
    numbering_root = part("numbering")
    notes = {}
    for kind in ("footnote", "endnote"):
        notes_root = part(kind + "s")
        for note in notes_root.iter(W + kind) if notes_root is not None else ():
            notes[(kind, note.get(W + "id", ""))] = note
    core_name = _related(source, archive, "", "core-properties")
    custom_name = _related(source, archive, "", "custom-properties")
    return _Package(
        document=document,
        styles=styles,
        default_style=default_style(styles_root),
        numbering=read_numbering(numbering_root) if numbering_root is not None else {},
        notes=notes,
        core=_xml(source, archive, core_name) if core_name else None,
        custom=_xml(source, archive, custom_name) if custom_name else None,
    )


def _related(source: str, archive: zipfile.ZipFile, part: str, kind: str) -> str | None:
    """The name of the part that `part` ("" for the package) links to by a relationship of type `kind`."""
    folder, name = posixpath.split(part)
    relationships = _xml(source, archive, posixpath.join(folder, "_rels", name + ".rels"))
    for relationship in relationships if relationships is not None else ():
        if relationship.get("Type", "").endswith("/" + kind) and relationship.get("TargetMode") != "External":
            target = relationship.get("Target", "")
            return (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
    return None


def _xml(source: str, archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    """Parse one part of the package, or None when the package has no such part."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART_BYTES:
        raise UnreadableDocument(
            source, f"is too large to read: its part {name} unpacks to {info.file_size / 1024 / 1024:.0f} MB "
            f"(a Word judgment has a few MB); split the document"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_FROM and ratio > _MAX_RATIO:
        raise UnreadableDocument(
            source, f"is a ZIP bomb, not a Word document: its part {name} would unpack from "
            f"{info.compress_size / 1024:.0f} KB to {info.file_size / 1024 / 1024:.0f} MB ({ratio:.0f} times)"
        )
    try:
        root = etree.fromstring(archive.read(info), _PARSER)
    except etree.XMLSyntaxError as error:
        raise UnreadableDocument(source, f"is damaged: its part {name} is not valid XML ({error})") from error
    elements = sum(1 for _ in root.iter())
    if elements > _MAX_ELEMENTS:
        raise UnreadableDocument(
            source, f"is not a text document this reader takes: its part {name} holds {elements:,} XML elements "
            f"(a long judgment has tens of thousands)"
        )
    return root


def _body_blocks(package: _Package) -> list[Block]:
    """One block per paragraph of the body in reading order, then the notes it refers to."""
    state = _State()
    blocks: list[Block] = []
    for paragraph in _paragraphs(package.document.find(W + "body")):
        append_block(blocks, _paragraph_block(paragraph, package, state))
    return trim_breaks(blocks) + _note_blocks(package, state.notes)


def _paragraphs(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        if child.tag == W + "p":
            yield child
        elif child.tag in _BLOCK_WRAPPERS:
            yield from _paragraphs(child)


def _paragraph_block(paragraph: etree._Element, package: _Package, state: _State) -> Block:
    style_id = value(paragraph.find(f"{W}pPr/{W}pStyle")) or package.default_style
    chain = list(style_chain(package.styles, style_id))
    label = list_label(paragraph, chain, package.numbering, state.lists)
    text = clean_inline(label + "".join(_inline(paragraph, state)))
    return Block(text, role="heading" if text and _is_heading(paragraph, chain) else "")


def _is_heading(paragraph: etree._Element, chain: list[Style]) -> bool:
    # Outline levels 0-8 are what Word's navigation pane lists as headings; 9 means body text.
    outline = integer(value(paragraph.find(f"{W}pPr/{W}outlineLvl")))
    if outline is not None:
        return outline < 9
    return any(
        _HEADING_STYLE.match(style.name) or (style.outline is not None and style.outline < 9)
        for style in chain
    )


def _inline(element: etree._Element, state: _State) -> Iterator[str]:
    """The visible text of a paragraph's content, LINE_BREAK for its line breaks."""
    for child in element:
        if child.tag == W + "r":
            yield from _run(child, state)
        elif child.tag in _INLINE_WRAPPERS:
            yield from _inline(child, state)
        elif child.tag == W + "fldSimple":
            yield from _simple_field(child, state)
        elif child.tag in _MATH_ZONES and state.visible:
            yield "".join(text.text or "" for text in child.iter(_MATH + "t"))


def _run(run: etree._Element, state: _State) -> Iterator[str]:
    vanished = run.find(f"{W}rPr/{W}vanish")
    hidden = vanished is not None and vanished.get(W + "val") not in ("0", "false")
    for child in run:
        if child.tag == W + "fldChar":
            yield from _field_char(child.get(W + "fldCharType"), state)
        elif child.tag == W + "instrText":
            if state.fields:
                state.fields[-1].instruction += child.text or ""
        elif state.visible and not hidden:
            text = _run_text(child, state)
            if text:
                for open_field in state.fields:
                    open_field.shown = True
                yield text


def _run_text(child: etree._Element, state: _State) -> str:
    tag = child.tag
    if tag == W + "t":
        return child.text or ""
    if tag in (W + "tab", W + "ptab"):
        return " "
    if tag == W + "br":
        # A page or column break only moves the text on; a plain w:br breaks the line inside the paragraph.
        return " " if child.get(W + "type") in ("page", "column") else LINE_BREAK
    if tag == W + "cr":
        return LINE_BREAK
    if tag == W + "noBreakHyphen":
        return "-"
    if tag in (W + "footnoteReference", W + "endnoteReference"):
        return _note_mark(tag.removeprefix(W).removesuffix("Reference"), child.get(W + "id", ""), state)
    return ""


def _field_char(kind: str | None, state: _State) -> Iterator[str]:
    if kind == "begin":
        state.fields.append(_Field())
    elif kind == "separate" and state.fields:
        state.fields[-1].in_result = True
    elif kind == "end" and state.fields:
        yield from _end_field(state.fields.pop(), state)


def _simple_field(element: etree._Element, state: _State) -> Iterator[str]:
    """A w:fldSimple: its runs are the cached result, its instruction an attribute."""
    simple = _Field(instruction=element.get(W + "instr", ""), in_result=True)
    state.fields.append(simple)
    result = list(_inline(element, state))
    state.fields.pop()
    yield from result
    yield from _end_field(simple, state)


def _end_field(ended: _Field, state: _State) -> Iterator[str]:
    """Count a SEQ field, and print its number when the file holds no cached result for it."""
    number = sequence_number(ended.instruction, state.sequences)
    if number is not None and not ended.shown and state.visible:
        yield number


def _note_mark(kind: str, note_id: str, state: _State) -> str:
    """The mark left where a footnote is referenced: "[3]", numbered in order of reference."""
    key = (kind, note_id)
    if key not in state.notes:
        state.notes.append(key)
    return f"[{state.notes.index(key) + 1}]"


def _note_blocks(package: _Package, referenced: list[tuple[str, str]]) -> list[Block]:
    """The referenced footnotes as blocks "[3] text" under a "Footnotes" heading.

    Notes go after the body rather than into their paragraphs, so a numbered paragraph stays quotable as
    printed; the heading keeps a chunker from gluing them to the document's last paragraph.
    """
    blocks = []
    for number, key in enumerate(referenced, start=1):
        note = package.notes.get(key)
        state = _State()
        lines = (
            [clean_inline("".join(_inline(p, state))) for p in _paragraphs(note)] if note is not None else []
        )
        text = "\n".join(line for line in lines if line)
        if text:
            blocks.append(Block(f"[{number}] {text}"))
    return footnote_blocks(blocks)


def _declared(package: _Package) -> dict[str, str]:
    """What the file says about itself: a real title, its creation date, HUDOC's application number."""
    declared = {}
    core = package.core
    title = (core.findtext(_DC + "title") or "").strip() if core is not None else ""
    if title and title.upper() not in _PLACEHOLDER_TITLES:
        declared["title"] = title
    created = (core.findtext(_DCTERMS + "created") or "").strip() if core is not None else ""
    if re.match(r"\d{4}-\d{2}-\d{2}", created):
        # When the file was made (for HUDOC: converted), not when the judgment was delivered.
        declared["created"] = created[:10]
    for prop in package.custom.iter(_CUSTOM + "property") if package.custom is not None else ():
        text = "".join(prop.itertext()).strip()
        if prop.get("name") == "RegisteredNo" and text:
            declared["application_numbers"] = text
    return declared
