"""How questions are read: statute Articles cited by number, and the words that name an instrument."""

from __future__ import annotations

from assistant.query import article_references, instrument_words, lexical_terms, proper_names


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


def test_lexical_terms_keep_legal_references_as_phrases():
    terms = lexical_terms("Does Art. 4 of Protocol No. 4 apply to no. 27765/09 and C-646/16?")
    assert "article 4 of protocol no 4" in terms, "the Article and its Protocol are one phrase"
    assert "27765 09" in terms and "c 646 16" in terms, "application and case numbers stay together"
    assert "does" not in terms and "of" not in terms, "stopwords say nothing"
    assert lexical_terms("P4-4")[0] == "article 4 of protocol no 4", "HUDOC's shorthand spelled out"
    assert lexical_terms("what is it?") == (), "nothing left to search for"


def test_proper_names_are_capitalised_words_inside_sentences():
    assert proper_names("Can Finland close its border with Russia under the Border Security Act?") == [
        "Finland", "Russia", "Border", "Security", "Act",
    ]
    assert proper_names("What does Article 3 of the Convention say?") == [], "legal vocabulary names nothing"
