"""Sentence splitting of legal text, and cutting passages into pieces that fit the model."""

from __future__ import annotations

import pytest
from text_blocks import squeeze, words

from ingest.sentences import TokenBudget, fit_pieces, split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        (  # Hirsi Jamaa § 2: initials of counsel and agents
            "The applicants were represented by Mr A.G. Lana and Mr A. Saccucci, lawyers practising in Rome. "
            "The Italian Government (“the Government”) were represented by their Agent, Ms E. Spatafora.",
            [
                "The applicants were represented by Mr A.G. Lana and Mr A. Saccucci, lawyers practising in "
                "Rome.",
                "The Italian Government (“the Government”) were represented by their Agent, Ms E. Spatafora.",
            ],
        ),
        (  # citations: "v.", "[GC]", "no.", "nos.", "§", "(dec.)", "ECHR"
            "See N.D. and N.T. v. Spain [GC], nos. 8675/15 and 8697/15, § 166, 13 February 2020, and "
            "Berisha and Haljiti v. the former Yugoslav Republic of Macedonia (dec.), no. 18670/03. It "
            "follows.",
            [
                "See N.D. and N.T. v. Spain [GC], nos. 8675/15 and 8697/15, § 166, 13 February 2020, and "
                "Berisha and Haljiti v. the former Yugoslav Republic of Macedonia (dec.), no. 18670/03.",
                "It follows.",
            ],
        ),
        (  # abbreviations mid-sentence before a capital
            "The Court notes, e.g. Article 3 and i.e. Protocol No. 4, cf. Soering, p. 679, pp. 12-13, "
            "paras. 4-5, "
            "Art. 3 and Arts. 4-5 of the U.N. Charter. Then it concludes.",
            [
                "The Court notes, e.g. Article 3 and i.e. Protocol No. 4, cf. Soering, p. 679, pp. 12-13, "
                "paras. 4-5, "
                "Art. 3 and Arts. 4-5 of the U.N. Charter.",
                "Then it concludes.",
            ],
        ),
        (  # an ordinal enumerator opening the text; a decimal
            "1. The case originated in an application (no. 27765/09). The rate was 3.5 per cent.",
            ["1. The case originated in an application (no. 27765/09).", "The rate was 3.5 per cent."],
        ),
        (  # a closing quotation mark stays with its sentence; "!" and "?"
            "Article 3 reads: “No one shall be subjected to torture.” Is it absolute? Yes! It is.",
            ["Article 3 reads: “No one shall be subjected to torture.”", "Is it absolute?", "Yes!", "It is."],
        ),
        (  # lower case after a full stop: no new sentence ("etc. and")
            "Roma, Ashkali, Egyptians etc. were returned. They objected.",
            ["Roma, Ashkali, Egyptians etc. were returned.", "They objected."],
        ),
    ],
)
def test_split_sentences_keeps_legal_citations_whole(text, expected):
    assert split_sentences(text) == expected, "citations, initials and abbreviations must not end a sentence"


@pytest.mark.parametrize(
    "text, expected",
    [
        (  # French (Sejdovic et Sulejmanovic)
            "Les requérants sont un couple marié. M. Sejdovic a saisi la Cour, cf. l’arrêt Čonka c. "
            "Belgique, "
            "n° 51564/99. Elle conclut.",
            [
                "Les requérants sont un couple marié.",
                "M. Sejdovic a saisi la Cour, cf. l’arrêt Čonka c. Belgique, n° 51564/99.",
                "Elle conclut.",
            ],
        ),
        (  # Swedish (Regulation 2024/1359)
            "Kommissionen ska t.ex. bedöma situationen. Det framgår bl.a. av skäl 5. Rådet beslutar.",
            ["Kommissionen ska t.ex. bedöma situationen.", "Det framgår bl.a. av skäl 5.", "Rådet beslutar."],
        ),
        (  # Finnish (Yle selkouutiset)
            "Suomi sulkee itärajan. Hallitus päättää esim. rajanylityspaikoista. Eduskunta äänestää.",
            ["Suomi sulkee itärajan.", "Hallitus päättää esim. rajanylityspaikoista.", "Eduskunta äänestää."],
        ),
        (  # Polish
            "Sąd stwierdza, że art. 3 ma zastosowanie. Następnie np. Polska zamknęła granicę. Źródła milczą.",
            [
                "Sąd stwierdza, że art. 3 ma zastosowanie.",
                "Następnie np. Polska zamknęła granicę.",
                "Źródła milczą.",
            ],
        ),
        (  # Russian
            "Суд отмечает, что ст. 3 применяется. Он делает вывод. Экспертиза не проводилась.",
            ["Суд отмечает, что ст. 3 применяется.", "Он делает вывод.", "Экспертиза не проводилась."],
        ),
    ],
)
def test_split_sentences_in_the_corpus_languages(text, expected):
    assert split_sentences(text) == expected, (
        "sentences must split on '. ' + capital in every corpus language"
    )


def test_fit_pieces_returns_a_fitting_text_whole():
    text = "No one shall be subjected to torture or to inhuman or degrading treatment or punishment."
    assert fit_pieces(text, TokenBudget(words, 50)) == [text], "a passage that fits must stay one piece"


def test_fit_pieces_packs_whole_sentences():
    text = "One two three. Four five six. Seven eight nine. Ten eleven twelve."
    assert fit_pieces(text, TokenBudget(words, 6)) == [
        "One two three. Four five six.",
        "Seven eight nine. Ten eleven twelve.",
    ], "pieces must be runs of whole sentences when sentences fit"


def test_fit_pieces_cuts_a_long_sentence_at_clauses_then_words():
    text = "alpha beta gamma; delta epsilon zeta eta theta iota kappa, lambda mu. Nu xi."
    pieces = fit_pieces(text, TokenBudget(words, 4))
    assert all(words(p) <= 4 for p in pieces), f"every piece must fit the budget: {pieces}"
    assert pieces[0] == "alpha beta gamma;", "an over-long sentence must be cut at ';' first"
    assert squeeze(" ".join(pieces)) == squeeze(text), "the pieces must give back the text"


def test_fit_pieces_cuts_a_giant_word():
    url = "https://example.org/" + "x" * 300
    pieces = fit_pieces(f"See {url} now.", TokenBudget(len, 100))
    assert all(len(p) <= 100 for p in pieces), "even a word longer than the budget must be cut to fit"
    assert squeeze(" ".join(pieces)) == squeeze(f"See {url} now.")


def test_fit_pieces_on_a_real_opinion_with_the_model_tokenizer(corpus_dir, count_tokens):
    # Judge Pinto de Albuquerque's concurring opinion is one 57,000-character line in the HUDOC text.
    line = (
        (corpus_dir / "case-law" / "hirsi-jamaa-v-italy-gc-2012.txt")
        .read_text(encoding="utf-8")
        .splitlines()[738]
    )
    assert line.startswith("CONCURRING OPINION OF JUDGE PINTO DE ALBUQUERQUE"), (
        "the test needs the opinion's line"
    )
    pieces = fit_pieces(line, TokenBudget(count_tokens, 200))
    assert all(count_tokens(p) <= 200 for p in pieces), "every piece must fit the model's budget"
    assert squeeze(" ".join(pieces)) == squeeze(line), "joining the pieces must give back the text"
    ends = sum(p.rstrip('”’")]').endswith((".", "?", "!")) for p in pieces)
    assert ends >= 0.8 * len(pieces), "most pieces must end at a sentence end, not in mid-sentence"
