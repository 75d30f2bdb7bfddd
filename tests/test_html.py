"""The HTML reader on real EUR-Lex pages and fragments, and on small pages written here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.errors import UnreadableDocument
from ingest.html import parse_html, read_html
from ingest.reader import load_source, read_document
from ingest.records import Block

CJEU_NUMBERED = re.compile(r"^(\d+) \S")


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


def squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def jafari(corpus_dir: Path) -> list[Block]:
    return read_html(load_source(corpus_dir / "html" / "eurlex-cjeu-c-646-16-jafari-2017-en.html")).blocks


@pytest.fixture(scope="module", params=["1348-asylum-procedure", "1359-crisis-force-majeure"])
def regulation(request, corpus_dir: Path) -> tuple[str, list[Block]]:
    path = corpus_dir / "html" / f"eurlex-reg-2024-{request.param}-sv.html"
    return path.read_text(encoding="utf-8"), read_html(load_source(path)).blocks


def test_jafari_paragraphs_carry_their_numbers(jafari):
    judgment = texts(jafari).index("Judgment")
    assert jafari[judgment + 1].text.startswith("1 This request for a preliminary ruling concerns"), (
        "EUR-Lex puts the number '1' in its own table cell; the block must read '1 This request ...' "
        "(CJEU style)"
    )
    numbered = [int(m.group(1)) for block in jafari[judgment:] if (m := CJEU_NUMBERED.match(block.text))]
    assert numbered == list(range(1, 105)), "Jafari's paragraphs 1-104, each its own block, in order"


@pytest.mark.parametrize("name", ["c-646-16-jafari-2017", "c-578-16-ppu-ck-2017"])
def test_cjeu_paragraphs_match_the_flattened_judgment(corpus_dir, name):
    blocks = read_html(load_source(corpus_dir / "html" / f"eurlex-cjeu-{name}-en.html")).blocks
    flattened = (corpus_dir / "case-law" / f"cjeu-{name}.txt").read_text(encoding="utf-8").splitlines()
    ours = [squeeze(text) for text in texts(blocks) if CJEU_NUMBERED.match(text)]
    theirs = [squeeze(line) for line in flattened if CJEU_NUMBERED.match(line)]
    assert [text.split()[0] for text in ours] == [line.split()[0] for line in theirs], (
        f"{name}: the paragraph numbers must be those of the same judgment as flattened text"
    )
    assert ours == theirs, (
        f"{name}: each numbered paragraph, its quotations included, must be one block with the "
        "judgment's text"
    )


def test_cjeu_operative_part_and_footnote(jafari):
    rules = texts(jafari).index("On those grounds, the Court (Grand Chamber) hereby rules:")
    assert jafari[rules + 1].text.startswith("1. Article 12 of Regulation (EU) No 604/2013"), (
        "the operative part's points sit in nested tables; each must read '1. ...'"
    )
    assert jafari[rules + 2].text.startswith("2. Article 13(1) of Regulation No 604/2013")
    assert jafari[1].text == "26 July 2017 ( *1 )", "a footnote marker may stay where it stands"
    assert texts(jafari)[-2:] == ["Footnotes", "( *1 ) Language of the case: German."], (
        "footnote bodies go after the text, under their own heading"
    )


def test_regulation_articles_are_headings(regulation):
    _, blocks = regulation
    articles = [block for block in blocks if re.fullmatch(r"Artikel \d+", block.text)]
    assert articles and all(block.role == "heading" for block in articles), (
        "each 'Artikel N' title (class oj-ti-art) must be its own heading block"
    )
    assert [int(block.text.split()[1]) for block in articles] == list(range(1, len(articles) + 1)), (
        "Articles must come in order without gaps"
    )
    positions = [blocks.index(article) for article in articles]
    assert all(blocks[i + 1].role == "heading" for i in positions), (
        "an Article's subtitle (oj-sti-art) is a heading of its own"
    )
    paragraphs = [blocks[i + 2].text for i in positions if blocks[i + 2].text.startswith("1. ")]
    assert len(paragraphs) > len(articles) // 2, "an Article's numbered paragraph '1. ...' is its own block"


def test_regulation_points_and_recitals_keep_their_labels(corpus_dir):
    blocks = read_html(load_source(corpus_dir / "html" / "eurlex-reg-2024-1359-crisis-force-majeure-sv.html")).blocks
    found = texts(blocks)
    assert any(text.startswith("(1) Unionen, som utgör ett område med frihet") for text in found), (
        "recital (1) sits in a two-cell row; its label and text must form one block"
    )
    assert any(text.startswith("a) en exceptionell situation med massankomst") for text in found), (
        "point a) of Article 1(4) must keep its label"
    )


def test_regulation_has_no_page_chrome(regulation):
    raw, blocks = regulation
    body = "\n".join(texts(blocks))
    # Strings of the EUR-Lex page around the act: the table-of-contents sidebar, the <title>, the stylesheets.
    for chrome in ("beaktandeled", "skäl 1", "EUROPAPARLAMENTETS …", ".fmx.xml", "bootstrap"):
        assert chrome in raw, f"the sample should contain the chrome string {chrome!r}"
        assert chrome not in body, f"EUR-Lex page chrome {chrome!r} must not reach the blocks"


def test_official_journal_running_heads_go_whatever_the_format(corpus_dir):
    path = corpus_dir / "html" / "eurlex-reg-2024-1359-crisis-force-majeure-sv.html"
    heads = ("ELI: http://data.europa.eu/eli/reg/2024/1359/oj", "ISSN 1977-0820 (electronic edition)")
    assert set(heads) <= set(texts(read_html(load_source(path)).blocks)), "the page ends with the OJ's running heads"
    assert not set(heads) & set(texts(read_document(load_source(path)).blocks)), (
        "read_document drops the Official Journal's running heads from every format, not only from PDFs"
    )


def test_regulation_declares_its_title(corpus_dir):
    declared = read_html(load_source(corpus_dir / "html" / "eurlex-reg-2024-1359-crisis-force-majeure-sv.html")).declared
    assert declared["title"].startswith(
        "EUROPAPARLAMENTETS OCH RÅDETS FÖRORDNING (EU) 2024/1359 av den 14 maj"
    ), (
        "the <title> is a file name (L_202401359SV.000101.fmx.xml); the act's own title must be "
        "declared instead"
    )
    assert declared["eli"] == "https://eur-lex.europa.eu/eli/reg/2024/1359/oj/eng"


def test_scripts_and_event_handlers_yield_only_visible_text(tmp_path):
    page = tmp_path / "attack.html"
    page.write_text(
        "<html><head><title>Ruling</title><script>alert(1)</script>"
        "<style>p { color: red }</style></head><body>"
        "<nav>Home | Search</nav><div class='cookie-banner'>We use cookies</div>"
        '<h2>The ruling</h2><p>Visible <b>text</b><img src=x onerror="alert(2)"> here.</p>'
        "<noscript>Enable JavaScript</noscript><form><input value='q'><button>Go</button></form>"
        "<script>document.write('injected')</script><footer>© The site</footer></body></html>",
        encoding="utf-8",
    )
    parsed = read_html(load_source(page))
    assert texts(parsed.blocks) == ["The ruling", "Visible text here."], (
        "only text a reader sees may be indexed: no script, style, navigation, banner, form or footer"
    )
    assert parsed.blocks[0].role == "heading", "<h2> is a heading"
    assert parsed.declared["title"] == "Ruling"


def test_numbers_in_count_paragraphs_join_their_text():
    page = (
        b'<?xml version="1.0" encoding="UTF-8"?><body><p class="count">12</p><p class="normal">The Court '
        b'recalls.</p><p class="count">13</p><p class="normal">It follows.</p></body>'
    )
    assert texts(parse_html(page, "https://example.org/judgment").blocks) == [
        "12 The Court recalls.",
        "13 It follows.",
    ]


@pytest.mark.parametrize(
    ("page", "text"),
    [
        (
            '<?xml version="1.0" encoding="ISO-8859-7"?><body><p>Ευρωπαϊκό Δικαστήριο</p></body>'.encode(
                "iso-8859-7"
            ),
            "Ευρωπαϊκό Δικαστήριο",
        ),
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head>'
            "<body><p>Европейский суд</p></body></html>".encode("koi8-r"),
            "Европейский суд",
        ),
        ("<p>Migrationsöverdomstolen</p>".encode(), "Migrationsöverdomstolen"),
    ],
    ids=["xml-declaration", "meta-http-equiv", "default-utf-8"],
)
def test_declared_encoding_decides_the_decoding(page, text):
    assert texts(parse_html(page, "https://example.org/page").blocks) == [text], (
        "bytes must be decoded by the XML declaration or <meta> charset, else as UTF-8"
    )


def test_charset_and_metadata_are_read_from_the_page():
    page = (
        '<html lang="FR"><head><meta charset="windows-1252"><meta name="DC.identifier" '
        'content="ECLI:EU:C:2017:586"><meta name="DC.date" content="2017-07-26">'
        '<link rel="canonical" href="https://eur-lex.europa.eu/legal-content/FR/TXT/?uri=CELEX%3A62016CJ0646">'
        "</head><body><p>Arrêt de la Cour – « visa »</p></body></html>"
    ).encode("cp1252")
    parsed = parse_html(page, "https://example.org/arret")
    assert texts(parsed.blocks) == ["Arrêt de la Cour – « visa »"], (
        "the declared charset decides the decoding"
    )
    assert parsed.declared == {
        "ecli": "ECLI:EU:C:2017:586",
        "celex": "62016CJ0646",
        "identifier": "ECLI:EU:C:2017:586",
        "date": "2017-07-26",
        "language": "fr",
    }, "identifiers, date and language come from <meta>, the canonical link and <html lang>; no empty values"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"<!-- nothing here -->", "no visible text"),
        (bytes(range(256)) * 8, "binary"),
        (
            b"<html><head><script>var x = 1;</script></head><body><nav>Menu</nav></body></html>",
            "no visible text",
        ),
    ],
    ids=["empty", "blank", "comment-only", "binary", "markup-only"],
)
def test_unreadable_pages_say_why(tmp_path, data, reason):
    path = tmp_path / "page.html"
    path.write_bytes(data)
    with pytest.raises(UnreadableDocument) as raised:
        read_html(load_source(path))
    assert reason in raised.value.reason, (
        f"the user must learn why the page is unreadable, got {raised.value}"
    )
    assert str(path) in str(raised.value), "the message must name the file"


@pytest.mark.parametrize("path, title", [
    ("html/eurlex-cjeu-c-646-16-jafari-2017-en.html", "Khadija Jafari and Zainab Jafari (C-646/16)"),
    ("html/eurlex-cjeu-c-578-16-ppu-ck-2017-en.html", "C. K. and Others v Republika Slovenija (C-578/16 PPU)"),
    ("case-law/cjeu-c-643-15-slovakia-hungary-v-council-2017.txt",
     "Slovak Republic and Hungary v Council of the European Union (C-643/15, C-647/15)"),
    ("case-law/cjeu-c-201-16-shiri-2017.txt", "Majid Shiri, also known as Madzhdi Shiri (C-201/16)"),
])
def test_a_cjeu_judgment_is_titled_by_its_parties(corpus_dir, path, title):
    from ingest.metadata import infer

    parsed = read_document(load_source(corpus_dir / path))
    assert infer(parsed.blocks, Path(Path(path).name))["title"] == title, "not 'JUDGMENT OF THE COURT (Grand Chamber)'"
