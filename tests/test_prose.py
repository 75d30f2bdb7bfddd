"""Prose (articles, reports) and the chunk_blocks entry point that picks the chunker by kind."""

from __future__ import annotations

import pytest
from text_blocks import blocks_from_text, squeeze, words

from ingest.chunking import CHUNKER_VERSION, chunk_blocks
from ingest.prose import split_prose
from ingest.records import Block
from ingest.sentences import TokenBudget

BUDGET = 200


YLE = [
    Block("Radio | Clear news | Wednesday 22 November 2023", role="heading"),
    Block(""),
    Block("Eastern border. Asylum seekers. Trust of the government."),
    Block(""),
    Block("Strengthening the eastern border", role="heading"),
    Block(""),
    Block("Finland strengthens the eastern border with barriers. The purpose is to prevent people from"),
    Block("entering Finland without a permit from Russia."),
    Block(""),
    Block("Fences are being built at least around the Salla, Kuusamo and Vartius border stations."),
    Block(""),
    Block("Border crossing points", role="heading"),
    Block(""),
    Block("The government is preparing new ways to limit traffic at border crossings."),
]


def test_paragraphs_merge_up_to_the_budget_but_never_across_a_heading():
    chunks = split_prose(YLE, TokenBudget(words, BUDGET))
    assert [c.heading for c in chunks] == [
        ("Radio | Clear news | Wednesday 22 November 2023",),
        ("Strengthening the eastern border",),
        ("Border crossing points",),
    ], (
        "one chunk per heading here: the paragraphs under a heading fit together, across headings they "
        "never merge"
    )
    assert chunks[1].text == (
        "Finland strengthens the eastern border with barriers. The purpose is to prevent people from "
        "entering "
        "Finland without a permit from Russia.\n\nFences are being built at least around the Salla, Kuusamo "
        "and "
        "Vartius border stations."
    ), "wrapped lines of a paragraph join with a space; paragraphs stay apart"
    assert all(c.paragraph is None and c.article is None for c in chunks), "prose has no paragraph numbers"


def test_paragraphs_that_do_not_fit_together_become_separate_chunks():
    chunks = split_prose(YLE, TokenBudget(words, 25))
    under = [c.text for c in chunks if c.heading == ("Strengthening the eastern border",)]
    assert len(under) == 2 and under[1].startswith("Fences"), (
        "a paragraph that would overflow starts a new chunk"
    )


def test_a_paragraph_too_long_is_cut_at_sentences():
    long_paragraph = " ".join(f"Sentence number {i} about the border." for i in range(30))
    chunks = split_prose([Block(long_paragraph)], TokenBudget(words, 20))
    assert len(chunks) > 1 and all(words(c.text) <= 20 for c in chunks), "every piece must fit the budget"
    assert all(c.text.endswith(".") for c in chunks), "pieces end at sentence ends"


def test_page_of_a_chunk_is_the_page_of_its_first_block():
    chunks = split_prose([Block("First paragraph.", page=2), Block(""), Block("Second.", page=3)], TokenBudget(words, 2))
    assert [c.page for c in chunks] == [2, 3]


def test_every_article_fits(corpus_dir, count_tokens):
    for path in sorted((corpus_dir / "articles").glob("*.md")):
        chunks = split_prose(blocks_from_text(path), TokenBudget(count_tokens, BUDGET))
        document = squeeze(path.read_text(encoding="utf-8"))
        assert chunks, f"{path.name}: no chunks"
        for chunk in chunks:
            assert chunk.text.strip(), f"{path.name}: a chunk with empty text"
            assert count_tokens(chunk.text) <= BUDGET, f"{path.name}: a chunk over the model's budget"
            assert squeeze(chunk.text) in document, (
                f"{path.name}: not the document's own text: {chunk.text[:80]!r}"
            )


def test_yle_article_headings(corpus_dir, count_tokens):
    path = corpus_dir / "articles" / "yle-selkouutiset-2023-11-22-finland-eastern-border-barriers-en.md"
    chunks = split_prose(blocks_from_text(path), TokenBudget(count_tokens, BUDGET))
    fences = next(c for c in chunks if "Fences are being built" in c.text)
    assert fences.heading == ("Strengthening the eastern border",), "markdown headings make the heading path"


# chunk_blocks -------------------------------------------------------------------------------------


def test_chunker_version_is_recorded_as_a_string():
    assert isinstance(CHUNKER_VERSION, str) and CHUNKER_VERSION, (
        "the index manifest records the chunker version"
    )


def test_chunk_blocks_picks_the_chunker_by_kind(corpus_dir, count_tokens):
    shiri = blocks_from_text(corpus_dir / "case-law" / "cjeu-c-201-16-shiri-2017.txt")
    assert any(c.paragraph == "30" for c in chunk_blocks(shiri, "case-law", TokenBudget(count_tokens, BUDGET))), (
        "case-law is chunked by numbered paragraph"
    )
    echr = blocks_from_text(corpus_dir / "statutes" / "echr-convention.txt")
    assert any(c.article == "3" for c in chunk_blocks(echr, "statute", TokenBudget(count_tokens, BUDGET))), (
        "a statute is chunked by Article"
    )
    for kind in ("article", "unknown-kind"):
        assert chunk_blocks(YLE, kind, TokenBudget(words, BUDGET)) == split_prose(YLE, TokenBudget(words, BUDGET)), f"{kind!r} is prose"


@pytest.mark.parametrize("kind", ["statute", "case-law"])
def test_chunk_blocks_falls_back_to_prose_without_structure(kind):
    chunks = chunk_blocks(YLE, kind, TokenBudget(words, BUDGET))
    prose = split_prose(YLE, TokenBudget(words, BUDGET))
    assert [(squeeze(c.text), c.heading) for c in chunks] == [(squeeze(c.text), c.heading) for c in prose], (
        f"a {kind} text without Articles or numbered paragraphs must come out as prose, headings kept"
    )
    assert all(c.paragraph is None and c.article is None for c in chunks)


def test_chunk_blocks_never_returns_empty_text():
    blocks = [Block(""), Block("Article 1", role="heading"), Block(""), Block("   "), Block("Text.")]
    for kind in ("statute", "case-law", "article"):
        assert all(c.text.strip() for c in chunk_blocks(blocks, kind, TokenBudget(words, BUDGET))), (
            f"{kind}: an empty chunk"
        )
