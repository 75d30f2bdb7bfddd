"""The text and Markdown reader on the shared corpus, and on small files made in tmp_path."""

from __future__ import annotations

from itertools import pairwise

import pytest

from ingest.errors import UnreadableDocument
from ingest.reader import load_source
from ingest.records import Block
from ingest.text import markdown_inline, read_text, split_front_matter


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


def test_statute_text_loses_the_oj_headers_it_was_extracted_with(corpus_dir):
    lines = texts(read_text(load_source(corpus_dir / "statutes/reg-2024-1347-qualification-regulation.txt")).blocks)
    furniture = [
        line
        for line in lines
        if line in ("OJ L, 22.5.2024 EN", "EN OJ L, 22.5.2024") or "1347/oj " in line or "/34 ELI" in line
    ]
    assert furniture == [], "the running header pair of every OJ page must go"
    assert "Article 29" in lines and "ELI: http://data.europa.eu/eli/reg/2024/1347/oj 1/34" not in lines


def test_statute_text_keeps_real_hyphens_and_rejoins_broken_words(corpus_dir):
    dublin = texts(read_text(load_source(corpus_dir / "statutes/reg-604-2013-dublin-iii.txt")).blocks)
    assert "back to persecution, i.e. maintaining the principle of non-refoulement." in dublin, (
        "this file's line-end hyphens are real ones (third-country): 'non-' + 'refoulement' keeps its hyphen"
    )
    assert not [line for line in dublin if "Official Journal of the European Union L 180/" in line]
    assert dublin[dublin.index("Footnotes") + 1] == "( 1 ) OJ C 317, 23.12.2009, p. 115.", (
        "the footnotes printed under each page's running header move to the end"
    )
    charter = texts(read_text(load_source(corpus_dir / "statutes/eu-charter-fundamental-rights-2000.txt")).blocks)
    assert not [line for line in charter if "Official Journal of the European Communities" in line], (
        "the Charter's .txt lacks the PDF's pages 2-7, so its page counter jumps from C 364/1 to C 364/9"
    )
    workers = "Workers or their representatives must, at the appropriate levels, be guaranteed information"
    assert f"{workers} and consultation" in charter, "'consul-' + 'tation' is a word broken at the line end"


def test_blank_lines_are_single_paragraph_breaks(corpus_dir):
    blocks = read_text(load_source(corpus_dir / "statutes/echr-convention.txt")).blocks
    assert texts(blocks[:3]) == [
        "Convention for the Protection of Human Rights and Fundamental Freedoms",
        "",
        blocks[2].text,
    ]
    assert all(a.text or b.text for a, b in pairwise(blocks)), "runs of blank lines collapse to one break"
    assert blocks[0].text and blocks[-1].text, "no break at the start or the end"
    assert all(block.page is None and block.role == "" for block in blocks)


def test_judgment_paragraphs_are_not_running_lines(corpus_dir):
    lines = texts(read_text(load_source(corpus_dir / "case-law/khlaifia-v-italy-chamber-2015.txt")).blocks)
    # Repeated with a rising number, like a page counter, but these are numbered paragraphs.
    for number in (75, 87, 100, 160):
        assert f"{number}. The Government disputed that allegation." in lines, (
            "numbered paragraphs repeating a sentence rise like a page counter but are the judgment's text"
        )
    assert lines.count("A. Admissibility") == 3, "a heading repeated in each part is not a running header"
    for point in (3, 4, 5):
        assert any(
            line.startswith(f"{point}. Holds , unanimously, that there has been a violation of Article 5 §")
            for line in lines
        ), f"operative point {point} looks like a running line with a counter but is the judgment's ruling"


def test_markdown_front_matter_headings_and_links(corpus_dir):
    document = read_text(load_source(corpus_dir / "articles/ays-special-lithuania-they-treat-you-like-criminals-2022.md"))
    assert document.declared["title"] == "AYS Special from Lithuania: “They treat you like criminals”"
    assert document.declared["date"] == "2022-02-27T18:18:49.587+0000", "scalars are kept as written"
    assert document.declared["image.path"] == "../assets/5f67a4e80b5f/0*2tRlyl1-Ok98CWyb.jpeg"
    assert "tags" not in document.declared, "an empty list declares nothing"
    blocks = document.blocks
    title = "AYS Special from Lithuania: “They treat you like criminals”"
    assert blocks[0] == Block(title, role="heading"), "a '###' heading loses its hashes and is marked"
    text = "\n".join(texts(blocks))
    assert "](" not in text and "![" not in text, "link and image markup must go"
    assert (
        "In recent months multiple reports have come out of Lithuania about deplorable living conditions"
        in text
    )
    assert "(Photo Credit: Amy L Beam )" in text, "'\\(' escapes print as '(' and the link keeps its text"
    assert "> " not in text and "\\" not in text


def test_markdown_with_unquoted_colons_in_front_matter(corpus_dir):
    # "title: AYS News Digest 1/7/22: European court decided- …" is not valid YAML; the title is wanted.
    document = read_text(load_source(corpus_dir / "articles/ays-digest-2022-07-01-cjeu-lithuania-detention-asylum.md"))
    assert document.declared["title"].startswith("AYS News Digest 1/7/22: European court decided")
    assert document.declared["tags"] == "digest; human-rights; europe; refugees; greece", (
        "lists are joined with '; '"
    )
    headings = [block.text for block in document.blocks if block.role == "heading"]
    assert "FEATURE — The Court slams automatic detention and denial of asylum" in headings
    assert "GREECE" in headings and not [heading for heading in headings if "#" in heading or "**" in heading]
    assert "Alarm Phone @ Twitter Says:" in texts(document.blocks), "blockquote markers and bold markers go"


def test_markdown_without_front_matter_and_escaped_pipes(corpus_dir):
    document = read_text(
        load_source(corpus_dir / "articles/yle-selkouutiset-2023-11-22-finland-eastern-border-barriers-en.md")
    )
    assert document.declared == {}
    assert document.blocks[0] == Block("Radio | Clear news | Wednesday 22 November 2023", role="heading")
    assert not [block for block in document.blocks if "yle.fi" in block.text], "image lines are dropped"


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        (
            "Press release of the Court [decision](https://eur-lex.europa.eu/x?a=(b)) \\.",
            "Press release of the Court decision .",
        ),
        ("[![]()](https://www.amnesty.org/en/latest/news/)", ""),
        ("![[Report](https://i0.wp.com/a.png?w=619)](assets/393daca19934/0*IyZDVPL)", ""),
        (
            "_In recent months \\(as reported\\) **many** people_",
            "In recent months (as reported) many people",
        ),
        ("a snake_case_name and 2\\*3\\*4 stay", "a snake_case_name and 2*3*4 stay"),
        ("[here](https://l.facebook.com/l.php?u=x&__tn__=R]-R&c[0]=AT0) \\.", "here ."),
    ],
)
def test_markdown_inline(markdown, plain):
    assert markdown_inline(markdown) == plain


def test_front_matter_is_only_a_mapping_at_the_top():
    assert split_front_matter(["---", "a thematic break, not YAML keys", "---", "text"]) == (
        {},
        ["---", "a thematic break, not YAML keys", "---", "text"],
    )
    assert split_front_matter(["---", "title: x", "keywords:", "  - EU", "  - NATO", "---", "text"]) == (
        {"title": "x", "keywords": "EU; NATO"},
        ["text"],
    )


def test_encodings(tmp_path):
    cp1252 = tmp_path / "cp1252.txt"
    cp1252.write_bytes("Migrationsverket – Överklagande".encode("cp1252"))
    assert texts(read_text(load_source(cp1252)).blocks) == ["Migrationsverket – Överklagande"], (
        "a non-UTF-8 file is read as cp1252"
    )
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfArticle 1\r\n\r\n\r\nText")
    assert texts(read_text(load_source(bom)).blocks) == ["Article 1", "", "Text"], (
        "the BOM goes, CRLF and blank runs are handled"
    )
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("\ufeffArtikel 5\nVaraktighet".encode("utf-16-le"))
    assert texts(read_text(load_source(utf16)).blocks) == ["Artikel 5", "Varaktighet"], (
        "UTF-16 (Windows 'Unicode') is text, not binary"
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\t\n\n", "empty file"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file (it contains binary data)"),
        ("meta.md", b"---\ntitle: Only metadata\n---\n\n", "no text besides the front matter"),
    ],
)
def test_unreadable_text_files(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument) as raised:
        read_text(load_source(path))
    assert raised.value.reason == reason and raised.value.path == str(path)
