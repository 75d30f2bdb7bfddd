"""Read an HTML page or an EUR-Lex XHTML fragment into blocks: the document's text, not the page around it.

EUR-Lex lays numbered paragraphs out as two-cell table rows ("12" | text) or as <p class="count">12</p> before
the text; each becomes one block "12 text" (CJEU style), so a chunker sees the number where a reader does.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import lxml.html
from lxml import etree

from ingest.errors import UnreadableDocument
from ingest.layout import footnote_blocks
from ingest.records import Block, ParsedDocument, SourceFile
from ingest.whitespace import LINE_BREAK, clean_inline

# Page furniture, scripts and forms: never document text.
_CHROME_TAGS = set(
    "head script style noscript template nav form button select textarea input iframe object embed svg "
    "canvas menu aside dialog".split()
)
_CHROME_ROLES = set(
    "navigation banner contentinfo search menu menubar dialog alertdialog complementary".split()
)
# Matched against each id and class token: cookie banners, menus, breadcrumbs, tables of contents, share bars.
_CHROME_NAME = re.compile(
    r"(^|[-_])(cookies?|consent|gdpr|breadcrumbs?|navbar|menu|sidebar|skip|share|social|"
    r"toc|nav)([-_]|$)"
)
_BLOCK_TAGS = set(
    "html body main article section div p h1 h2 h3 h4 h5 h6 ul ol li dl dt dd blockquote pre address figure "
    "figcaption table caption thead tbody tfoot tr td th hr center details summary header footer".split()
)
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# EUR-Lex title classes: act layout (oj-doc-ti, oj-ti-section-1, "Artikel 5" oj-ti-art and its subtitle
# oj-sti-art), consolidated texts (title-article-norm ...), CJEU judgments (sum-title-1, title-grseq-2 ...).
_HEADING_CLASS = re.compile(
    r"^(oj-)?(doc-ti|ti-art|sti-art|ti-section-\d+|ti-grseq-\d+|title-grseq-\d+|"
    r"sum-title-\d+|title-doc-(first|last)|title-article-norm|stitle-article-norm|"
    r"title-division-\d+)$"
)
# The number cell of a numbered paragraph: "12", "1.", "(3)", "a)", "(iv)", "–".
_MARKER = re.compile(r"^[‘“”„«]?(\(?\d{1,4}[a-z]?\)?\.?|\(?[a-zA-Z]{1,5}\)|[a-z]\.|[–—•·*-])$")
# The element holding the document on a full EUR-Lex page, narrowest first; the rest is site chrome.
_CONTENT_IDS = ("docHtml", "document1", "TexteOnly", "textTabContent")
_CONTENT_CLASSES = ("tabContent", "eli-container")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DECLARED_CHARSET = re.compile(
    rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)|<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I
)
# Browsers read pages labelled Latin-1 or ASCII as Windows-1252 (WHATWG Encoding); so does this reader.
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"}
_ECLI = re.compile(r"ECLI:[A-Z]{2}:[A-Z0-9.]+:\d{4}:[A-Z0-9.]+")
_CELEX = re.compile(r"CELEX[:=]\s*([0-9][0-9A-Z()]+)")
_ELI = re.compile(r"https?://[^\s\"'<>]*/eli/[^\s\"'<>#?]+")
_FILE_NAME = re.compile(r"^[\w.-]+\.(xml|html?|fmx|pdf|docx?)$", re.I)
_DATE_META = (
    "dc.date dc.date.created dcterms.date dcterms.created dcterms.issued eli:date_document "
    "eli:date_publication article:published_time date".split()
)


@dataclass(frozen=True)
class _Item:
    """A block in the making: a lone paragraph number (<p class="count">) still to be joined to its text."""

    text: str
    heading: bool
    count: bool = False


def read_html(source: SourceFile) -> ParsedDocument:
    """Read an .html/.xhtml file; see parse_html."""
    return parse_html(source.data, source.name)


def parse_html(data: bytes, source: str) -> ParsedDocument:
    """Turn an HTML document's bytes (a file, or a page fetched from `source`) into blocks of its main text.

    Raises UnreadableDocument when the bytes are binary or hold no visible text.
    """
    text = _XML_DECLARATION.sub("", _decode(data), count=1)
    if not text.strip():
        raise UnreadableDocument(source, "is empty")
    if _looks_binary(text):
        raise UnreadableDocument(
            source, "is not an HTML page: it holds binary data (perhaps a PDF or an image)"
        )
    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError as error:  # only comments or processing instructions
        raise UnreadableDocument(source, "has no visible text (only markup)") from error
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        # libxml2 stops at 256 levels of nested elements, as a guard against pages built to exhaust parsers.
        raise UnreadableDocument(
            source, "is not a page this reader takes: its markup nests elements more than 255 levels deep (real "
            "pages nest a few dozen), so a parser would lose whatever lies deeper"
        )
    declared = _declared(root)
    items, notes = [], []
    for content in _content_roots(root):
        _drop_chrome(content)
        for note in _note_bodies(content):
            notes.extend(_items(note, heading=False))
            note.drop_tree()
        items.extend(_items(content, heading=False))
    blocks = _join_counts(items) + footnote_blocks([Block(note.text) for note in notes])
    if not blocks:
        raise UnreadableDocument(source, "has no visible text (only markup, scripts or navigation)")
    return ParsedDocument(blocks=blocks, declared=declared)


def _decode(data: bytes) -> str:
    """Decode by byte-order mark, XML declaration or <meta> charset, else UTF-8, else Windows-1252."""
    for mark, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(mark):
            return data[len(mark) :].decode(encoding, errors="replace")
    match = _DECLARED_CHARSET.search(data[:4096])
    declared = (match.group(1) or match.group(2)).decode("ascii").lower() if match else ""
    declared = "cp1252" if declared in _WINDOWS_1252_LABELS else declared
    # A charset read from ASCII-compatible bytes cannot be UTF-16; browsers take such a label as UTF-8.
    declared = "utf-8" if declared.startswith("utf-16") else declared
    for encoding in filter(None, (declared, "utf-8", "cp1252")):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _looks_binary(text: str) -> bool:
    # Control characters other than tab, newline, carriage return and form feed never occur in real pages.
    sample = text[:4096]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\n\r\f")
    return controls > len(sample) // 100


def _content_roots(root: etree._Element) -> list[etree._Element]:
    """The elements that hold the document: EUR-Lex's document container, else <main>, else <body>."""
    for identifier in _CONTENT_IDS:
        found = root.xpath("//*[@id=$value]", value=identifier)
        if found:
            return found[:1]
    for name in _CONTENT_CLASSES:
        found = root.xpath(
            "//*[contains(concat(' ', normalize-space(@class), ' '), $name)]", name=f" {name} "
        )
        outermost = [element for element in found if not any(a in found for a in element.iterancestors())]
        if outermost:
            return outermost
    main = root.xpath("//main | //*[@role='main']")
    return main[:1] or [root.find("body") if root.find("body") is not None else root]


def _drop_chrome(content: etree._Element) -> None:
    """Remove scripts, navigation, forms, hidden elements and cookie banners; the text after them stays."""
    for element in [element for element in content.iterdescendants() if _is_chrome(element)]:
        if element.getparent() is not None:
            element.drop_tree()


def _is_chrome(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments and processing instructions
    tag = element.tag.lower()
    if tag in _CHROME_TAGS:
        return True
    # A page's <header>/<footer> is site furniture; inside an <article> it holds its title or byline.
    if tag in ("header", "footer") and next(element.iterancestors("article"), None) is None:
        return True
    if (element.get("role") or "").lower() in _CHROME_ROLES or element.get("hidden") is not None:
        return True
    if (element.get("aria-hidden") or "").lower() == "true":
        return True
    style = re.sub(r"\s", "", element.get("style") or "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    names = (element.get("id") or "").split() + (element.get("class") or "").split()
    return any(_CHROME_NAME.search(name.lower()) for name in names)


def _note_bodies(content: etree._Element) -> list[etree._Element]:
    """Footnote texts: EUR-Lex's <p class="oj-note"> (acts) and <p class="note"> (judgments), not the in-text
    <span class="note"> markers."""
    return [
        element
        for element in content.iter("p", "div")
        if {"note", "oj-note"} & set((element.get("class") or "").split())
        and next((a for a in element.iterancestors() if a.get("class") in ("note", "oj-note")), None) is None
    ]


def _items(element: etree._Element, heading: bool) -> Iterator[_Item]:
    """The blocks of an element: its own inline text between block children, then each block child's."""
    heading = heading or _is_heading(element)
    if element.tag == "table":
        for row in _rows(element):
            yield from _row_items(row, heading)
        return
    pieces = [element.text or ""]
    for child in element:
        if _is_block(child):
            yield from _flush(pieces, element, heading)
            pieces = []
            yield from _items(child, heading)
        else:
            pieces.append(_inline_text(child))
        pieces.append(child.tail or "")
    yield from _flush(pieces, element, heading)


def _is_block(element: etree._Element) -> bool:
    # An inline element wrapping blocks (<a><div>…</div></a>) is read as a block too.
    return element.tag in _BLOCK_TAGS or any(d.tag in _BLOCK_TAGS for d in element.iterdescendants())


def _is_heading(element: etree._Element) -> bool:
    if element.tag in _HEADING_TAGS:
        return True
    return any(_HEADING_CLASS.match(name) for name in (element.get("class") or "").split())


def _flush(pieces: list[str], element: etree._Element, heading: bool) -> Iterator[_Item]:
    text = clean_inline("".join(pieces))
    if text:
        yield _Item(text, heading, count="count" in (element.get("class") or "").split())


def _inline_text(element: etree._Element) -> str:
    if element.tag == "br":
        return LINE_BREAK
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    """The table's own rows, not those of tables nested in its cells."""
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child if row.tag == "tr")


def _row_items(row: etree._Element, heading: bool) -> Iterator[_Item]:
    """A numbered row ("12" | text) as one block "12 text"; a layout row as its cells' blocks; a data row as
    one block with its cells separated by " | "."""
    cells = [cell for cell in row if cell.tag in ("td", "th")]
    contents = [list(_items(cell, heading)) for cell in cells]
    filled = [items for items in contents if items]
    first = contents[0] if contents else []
    if len(filled) >= 2 and len(first) == 1 and _MARKER.match(first[0].text):
        # The paragraph with everything in its cell, quotations laid out in nested tables included.
        text = "\n".join(item.text for items in contents[1:] for item in items)
        yield _Item(f"{first[0].text} {text}", heading=False)
    elif len(filled) <= 1 or any(cell.find(".//table") is not None for cell in cells):
        yield from (item for items in filled for item in items)
    else:
        yield _Item(" | ".join("\n".join(item.text for item in items) for items in filled), heading)


def _join_counts(items: list[_Item]) -> list[Block]:
    """Blocks, a paragraph number standing alone (<p class="count">12</p>) joined to the text after it."""
    blocks = []
    number = ""
    for item in items:
        if item.count and _MARKER.match(item.text) and not number:
            number = item.text
            continue
        if number and not item.heading:
            blocks.append(Block(f"{number} {item.text}"))
        else:
            blocks.extend([Block(number)] if number else [])
            blocks.append(Block(item.text, role="heading" if item.heading else ""))
        number = ""
    return blocks + ([Block(number)] if number else [])


def _declared(root: etree._Element) -> dict[str, str]:
    """Title, identifiers (ECLI, CELEX, ELI), date and language that the page's head declares."""
    metas = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content:
            metas.setdefault(name, content)
    links = [
        unquote(link.get("href") or "")
        for link in root.iter("link")
        if (link.get("rel") or "").lower() in ("canonical", "alternate")
    ]
    declared = {"title": _title(root, metas)}
    searched = " ".join([*metas.values(), *links])
    for key, pattern in (("ecli", _ECLI), ("eli", _ELI)):
        match = pattern.search(searched)
        declared[key] = match.group(0) if match else ""
    celex = _CELEX.search(searched)
    declared["celex"] = (
        metas.get("dc.identifier.celex") or metas.get("eli:id_local") or (celex.group(1) if celex else "")
    )
    declared["identifier"] = metas.get("dc.identifier", "")
    date = next((metas[name] for name in _DATE_META if name in metas), "")
    declared["date"] = date[:10] if re.match(r"\d{4}-\d{2}-\d{2}", date) else ""
    language = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    declared["language"] = (
        language or metas.get("dc.language") or metas.get("content-language") or ""
    ).lower()
    return {key: value for key, value in declared.items() if value}


def _title(root: etree._Element, metas: dict[str, str]) -> str:
    """DC.title, else <title> unless it is a file name (EUR-Lex: "L_202401359SV.000101.fmx.xml"), else the
    act's title block, else the first <h1>."""
    title = clean_inline(root.findtext(".//title") or "")
    candidates = [metas.get("dc.title", ""), "" if _FILE_NAME.match(title) else title]
    for xpath in ("//*[contains(concat(' ', @class, ' '), ' eli-main-title ')]", "//h1"):
        found = root.xpath(xpath)
        candidates.append(" ".join(item.text for item in _items(found[0], heading=False)) if found else "")
    return next((candidate for candidate in candidates if candidate), "")
