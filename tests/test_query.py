"""How questions are read: statute Articles cited by number, and the words that name an instrument."""

from __future__ import annotations

from assistant.query import article_references, instrument_words


def test_article_references_read_numbers_paragraphs_and_protocol_shorthand():
    assert [(r.article, r.paragraph) for r in article_references("Art. 27(1) and Article 29 § 2 of Dublin III")] == [
        ("27", "1"),
        ("29", "2"),
    ]
    (p4,) = article_references("Is a push-back a breach of P4-4?")
    assert (p4.article, p4.paragraph) == ("4", None) and "protocol4" in p4.instrument
    (refugee,) = article_references("Article 1A(2) of the Refugee Convention")
    assert refugee.article == "1A" and refugee.paragraph == "2"
    assert article_references("What did the Court hold in Hirsi Jamaa?") == []


def test_instrument_words_expand_aliases_and_ignore_dates():
    assert {"charter", "fundamental", "right"} <= instrument_words("Article 47 of the Charter")
    assert {"statu", "refugee"} <= instrument_words("the Geneva Convention")
    title = instrument_words("Convention for the Protection of Human Rights, ETS No. 5, Rome, 4 November 1950")
    assert "4" not in title and "protocol4" not in title, "the day of a date names no Protocol"
    assert "protocol4" in instrument_words("Protocol No. 4 to the Convention")
    assert "protocol4" not in instrument_words("as amended by Protocols Nos. 11 and 14")
