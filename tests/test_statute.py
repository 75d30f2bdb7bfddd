"""Statutes: a chunk per Article (per paragraph when too long), recitals, Chapter/Section headings."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from text_blocks import blocks_from_text, words

from ingest.furniture import strip_page_furniture
from ingest.records import Block, Chunk
from ingest.sentences import TokenBudget
from ingest.statute import split_statute

BUDGET = 200


def article(chunks: list[Chunk], number: str) -> list[Chunk]:
    return [c for c in chunks if c.article == number]


# Small inputs copied from the documents ---------------------------------------------------------


ECHR = [
    Block(t)
    for t in (
        "SECTION I",
        "",
        "Rights and freedoms",
        "",
        "Article 2",
        "",
        "Right to life",
        "",
        "1. Everyone's right to life shall be protected by law.",
        "2. Deprivation of life shall not be regarded as inflicted in contravention of this Article when it "
        "results "
        "from the use of force which is no more than absolutely necessary:",
        "",
        "(a)in defence of any person from unlawful violence;",
        "",
        "(b)in order to effect a lawful arrest or to prevent the escape of a person lawfully detained;",
        "",
        "Article 3",
        "",
        "Prohibition of torture",
        "",
        "No one shall be subjected to torture or to inhuman or degrading treatment or punishment.",
        "",
    )
]


def test_an_article_that_fits_is_one_chunk_with_its_title_in_the_heading():
    chunks = split_statute(ECHR, TokenBudget(words, BUDGET))
    third = article(chunks, "3")
    assert [c.text for c in third] == [
        "No one shall be subjected to torture or to inhuman or degrading treatment or punishment."
    ], "the Article's text without 'Article 3' and its title"
    assert third[0].heading == ("SECTION I — Rights and freedoms", "Article 3 — Prohibition of torture")
    assert third[0].paragraph is None, "a whole Article has no paragraph"
    assert "(a)in defence" in article(chunks, "2")[0].text, "points stay in their Article"


def test_an_article_too_long_is_split_by_numbered_paragraph_with_its_points():
    chunks = split_statute(ECHR, TokenBudget(words, 60))
    second = article(chunks, "2")
    assert [c.paragraph for c in second] == ["1", "2"], (
        "an Article over budget: one chunk per numbered paragraph"
    )
    assert second[1].text.startswith("Deprivation of life") and "(b)in order to effect" in second[1].text, (
        "the lettered points stay in their paragraph"
    )


DUBLIN = [
    Block(t, page=p)
    for t, p in (
        ("Whereas:", 31),
        (
            "(24) In accordance with Commission Regulation (EC) No 1560/2003 ( 1 ), transfers may be "
            "carried out",
            33,
        ),
        ("on a voluntary basis. Supervised transfers are undertaken in a humane manner, as well as the", 33),
        ("EN 29.6.2013 Official Journal of the European Union L 180/33", 33),
        ("( 1 ) OJ L 222, 5.9.2003, p. 3.", 33),
        ("", 33),
        ("best interests of the child and taking utmost account of", 34),
        ("developments in the relevant case law.", 34),
        ("(25) The progressive creation of an area without internal frontiers is an", 34),
        ("essential part of the Union's objectives.", 34),
        ("HAVE ADOPTED THIS REGULATION:", 34),
        ("CHAPTER II", 36),
        ("GENERAL PRINCIPLES AND SAFEGUARDS", 36),
        ("Article 5", 38),
        ("Personal interview", 38),
        ("1. In order to facilitate the process, the determining Member State shall conduct a personal", 38),
        ("interview with the applicant. The interview shall also allow the proper understanding of the", 38),
        ("information supplied to the applicant in accordance with Article 4.", 38),
        (
            "2. The personal interview may be omitted if the applicant has provided the information "
            "referred to in",
            38,
        ),
        ("Article 26(1).", 38),
        ("Article 26", 38),
        ("shall apply to such cases as well.", 38),
        ("Article 6", 39),
        ("Guarantees for minors", 39),
        ("1. The best interests of the child shall be a primary consideration for Member States.", 39),
    )
]


def test_recitals_are_one_chunk_each_without_footnotes_or_running_heads():
    # As read_document hands a statute over: the Official Journal's running heads and their footnotes gone.
    chunks = split_statute(strip_page_furniture(DUBLIN), TokenBudget(words, BUDGET))
    recitals = {c.paragraph: c for c in chunks if c.paragraph and c.paragraph.startswith("recital")}
    assert list(recitals) == ["recital 24", "recital 25"], "each '(N)' recital is its own chunk"
    text = recitals["recital 24"].text
    assert "as well as the best interests of the child" in text, (
        "the recital continues across the page break, with running head and footnote taken out"
    )
    assert "Official Journal" not in text and "OJ L 222" not in text
    assert recitals["recital 24"].page == 33 and recitals["recital 25"].page == 34
    assert "HAVE ADOPTED" not in recitals["recital 25"].text, "the enacting formula ends the last recital"


def test_wrapped_cross_references_are_not_article_headings():
    chunks = split_statute(DUBLIN, TokenBudget(words, BUDGET))
    assert list(dict.fromkeys(c.article for c in chunks if c.article)) == ["5", "6"], (
        "'Article 26(1).' and an 'Article 26' continued by 'shall apply' are wrapped text, not Articles"
    )
    fifth = article(chunks, "5")[0]
    assert "referred to in Article 26(1). Article 26 shall apply" in fifth.text, (
        "wrapped lines join with a space"
    )
    assert "Member State shall conduct a personal interview" in fifth.text
    assert "\n2. The personal interview" in fifth.text, "a new line starts only before an enumerator"
    assert fifth.heading == (
        "CHAPTER II — GENERAL PRINCIPLES AND SAFEGUARDS",
        "Article 5 — Personal interview",
    )
    assert fifth.page == 38


# The real statutes -------------------------------------------------------------------------------


@cache
def chunked(path: Path, count_tokens) -> list[Chunk]:
    return split_statute(blocks_from_text(path), TokenBudget(count_tokens, BUDGET))


@pytest.fixture(scope="module")
def dublin(corpus_dir, count_tokens):
    return chunked(corpus_dir / "statutes" / "reg-604-2013-dublin-iii.txt", count_tokens)


def test_dublin_article_29_paragraph_2(dublin):
    second = [c for c in article(dublin, "29") if c.paragraph == "2"]
    assert second, "Article 29 is over budget, so it is chunked by paragraph; paragraph 2 must be found"
    assert "Where the transfer does not take place within the six months’ time limit" in second[0].text
    assert second[0].heading[-1] == "Article 29 — Modalities and time limits"
    assert second[0].heading[:-1] == (
        "CHAPTER VI — PROCEDURES FOR TAKING CHARGE AND TAKING BACK",
        "SECTION VI — Transfers",
    ), "the Chapter and Section with their titles go into the heading path"


def test_dublin_article_2_without_numbered_paragraphs_is_cut_between_points(dublin):
    definitions = article(dublin, "2")
    assert len(definitions) > 1, "Article 2 (definitions) is over budget"
    assert [c.part for c in definitions] == list(range(1, len(definitions) + 1)), (
        "an Article without numbered paragraphs is split into parts 1, 2, ..."
    )
    assert all(c.paragraph is None for c in definitions)
    assert all(c.text.startswith(("For the purposes", "(", "—")) for c in definitions), (
        "parts start at a point '(a)' or an indent '—', never in the middle of a definition"
    )


def test_dublin_articles_1_to_49_once_each(dublin):
    numbers = list(dict.fromkeys(c.article for c in dublin if c.article))
    assert numbers == [str(n) for n in range(1, 50)], (
        "Dublin III has Articles 1-49, in order; the wrapped 'Article 5.' and 'Article 26(1).' lines are "
        "not Articles"
    )
    assert any("Article 26(1)." in c.text for c in article(dublin, "5")), (
        "those lines stay in Article 5's text"
    )


def test_dublin_recitals(dublin):
    recitals = [c for c in dublin if c.paragraph and c.paragraph.startswith("recital")]
    assert list(dict.fromkeys(c.paragraph for c in recitals)) == [f"recital {n}" for n in range(1, 43)]
    twenty_five = next(c for c in recitals if c.paragraph == "recital 25")
    assert twenty_five.text.startswith("The progressive creation of an area without internal frontiers")
    assert not any("OJ L 222" in c.text for c in recitals), "footnotes under the running head are left out"


def test_echr_article_3(corpus_dir, count_tokens):
    chunks = chunked(corpus_dir / "statutes" / "echr-convention.txt", count_tokens)
    third = article(chunks, "3")
    assert [c.text for c in third] == [
        "No one shall be subjected to torture or to inhuman or degrading treatment or punishment."
    ]
    assert third[0].heading == ("SECTION I — Rights and freedoms", "Article 3 — Prohibition of torture")


def test_refugee_convention_article_33(corpus_dir, count_tokens):
    chunks = article(chunked(corpus_dir / "statutes" / "refugee-convention-1951.txt", count_tokens), "33")
    assert chunks, "Article 33 must be found"
    assert all(
        c.heading[-1] == 'Article 33 — Prohibition of Expulsion or Return ("Refoulement")' for c in chunks
    )
    assert [c.paragraph for c in chunks] in ([None], ["1", "2"]), (
        "Article 33 is one chunk or its paragraphs 1 and 2"
    )
    text = " ".join(c.text for c in chunks)
    assert 'No Contracting State shall expel or return ("refouler") a refugee' in text
    assert "danger to the community of that country" in text


def test_refugee_protocol_roman_articles(corpus_dir, count_tokens):
    chunks = chunked(corpus_dir / "statutes" / "refugee-protocol-1967.txt", count_tokens)
    assert list(dict.fromkeys(c.article for c in chunks if c.article)) == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
    ], "the 1967 Protocol numbers its Articles in Roman numerals"


def test_swedish_artikel_5(corpus_dir, count_tokens):
    chunks = article(
        chunked(corpus_dir / "statutes" / "reg-2024-1359-crisis-force-majeure-sv.txt", count_tokens), "5"
    )
    assert chunks, "Swedish 'Artikel 5' must be found"
    assert chunks[0].heading[-1] == "Artikel 5 — Varaktighet", "the heading keeps the document's own words"
    assert chunks[0].heading[0].startswith("KAPITEL II"), "KAPITEL is a Chapter"


ARTICLES = {  # file -> number of Articles
    "echr-convention.txt": 59,
    "echr-protocol-4.txt": 7,
    "eu-charter-fundamental-rights-2000.txt": 54,
    "refugee-convention-1951.txt": 46,
    "refugee-protocol-1967.txt": 11,
    "udhr-1948.txt": 30,
    "reg-604-2013-dublin-iii.txt": 49,
    "reg-2024-1347-qualification-regulation.txt": 42,
    "reg-2024-1348-asylum-procedure-sv.txt": 79,
    "reg-2024-1351-ammr-sv.txt": 85,
    "reg-2024-1359-crisis-force-majeure-sv.txt": 20,
}


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_every_statute_fits_and_has_all_its_articles(name, corpus_dir, count_tokens):
    path = corpus_dir / "statutes" / name
    chunks = chunked(path, count_tokens)
    assert len({c.article for c in chunks if c.article}) == ARTICLES[name], f"{name}: every Article, once"
    vocabulary = set(re.findall(r"\w+", path.read_text(encoding="utf-8")))
    for chunk in chunks:
        assert chunk.text.strip(), f"{name}: a chunk with empty text"
        assert count_tokens(chunk.text) <= BUDGET, f"{name} Article {chunk.article}: over the model's budget"
        added = set(re.findall(r"\w+", chunk.text)) - vocabulary
        assert not added, f"{name} Article {chunk.article}: words not in the document: {added}"
