"""Judgments: a chunk per numbered paragraph, headings, operative part, separate opinions, old decisions."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from text_blocks import blocks_from_text, squeeze, words

from ingest.judgment import split_judgment
from ingest.records import Block, Chunk
from ingest.sentences import TokenBudget

BUDGET = 200


def lines(*texts: str) -> list[Block]:
    """Blocks as a reader gives them for a HUDOC text: a blank line after each text (whose own line
    breaks separate lines without a blank, as sub-items follow their paragraph)."""
    blocks = []
    for text in texts:
        blocks += [Block(line) for line in text.split("\n")] + [Block("")]
    return blocks


def by_paragraph(chunks: list[Chunk], opinion: str | None = None) -> dict[str, list[Chunk]]:
    found: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.opinion == opinion and chunk.paragraph is not None:
            found.setdefault(chunk.paragraph, []).append(chunk)
    return found


# Small inputs copied from the documents ---------------------------------------------------------


ECTHR = lines(
    "GRAND CHAMBER Case of Hirsi Jamaa and Others v. Italy (Application no. 27765/09) Judgment",
    "PROCEDURE",
    "1. The case originated in an application (no. 27765/09) against the Italian Republic.",
    "2. A hearing took place in public in the Human Rights Building, Strasbourg. There appeared before the "
    "Court:\n"
    "(a) for the Government Ms S. Coppari , co-Agent ;\n"
    "(b) for the applicants Mr A.G. Lana , Mr A. Saccucci , Counsel .",
    "THE FACTS",
    "F. European Union law",
    "3. The Annex to the Council Decision of 26 April 2010 states: “Rules for sea border operations",
    "1. General principles",
    "1.1. Measures taken for the purpose of the surveillance operation shall respect fundamental rights.",
    "2. Search and rescue situations",
    "2.1. Member States shall observe their obligation to render assistance to any vessel in distress.”",
    "2. 1985 Schengen Agreement",
    "4. Article 17 of the Agreement provides: “In regard to the movement of persons, the Parties shall "
    "endeavour "
    "to abolish the controls at the common frontiers.”",
    "THE LAW",
    "IV. ALLEGED VIOLATION OF ARTICLE 4 OF PROTOCOL No. 4 TO THE CONVENTION",
    "B. The Court’s assessment",
    "1. Admissibility",
    "5. Having regard to the foregoing, the Court considers that the removal of aliens carried out in the "
    "context "
    "of interceptions on the high seas constitutes an exercise of jurisdiction.",
    "FOR THESE REASONS, THE COURT",
    "1. Decides by thirteen votes to four to strike the application out of its list;",
    "2. Holds unanimously that there has been a violation of Article 4 of Protocol No. 4;",
    "Done in English and in French, and delivered at a public hearing on 23 February 2012. In accordance "
    "with "
    "Article 45 § 2 of the Convention, the separate opinion of Judge Pinto de Albuquerque is annexed.",
    "CONCURRING OPINION OF JUDGE PINTO DE ALBUQUERQUE The Hirsi Jamaa case is about the international "
    "protection "
    "of refugees. Refugees have “the right to have rights”.",
    "PARTLY DISSENTING OPINION OF JUDGE KOSKELO Introductory remarks",
    "1. I have regrettably been unable to agree with the majority.",
    "2. It is recalled, as a matter of common ground, that the prohibition is procedural.",
)


def test_one_chunk_per_numbered_paragraph_with_its_sub_items():
    paragraphs = by_paragraph(split_judgment(ECTHR, TokenBudget(words, BUDGET)))
    assert list(paragraphs)[:5] == ["1", "2", "3", "4", "5"], "each numbered paragraph must be its own chunk"
    assert paragraphs["1"][0].text.startswith("The case originated"), (
        "the number goes to Chunk.paragraph, not the text"
    )
    second = paragraphs["2"][0].text
    assert "(a) for the Government" in second and "(b) for the applicants" in second, (
        "sub-items '(a)', '(b)' after a paragraph belong to it"
    )


def test_a_numbered_line_inside_a_quotation_stays_in_its_paragraph():
    paragraphs = by_paragraph(split_judgment(ECTHR, TokenBudget(words, BUDGET)))
    quoted = paragraphs["3"][0].text
    assert "1. General principles" in quoted and "2. Search and rescue situations" in quoted, (
        "headings of a quoted instrument inside an open quotation are quoted text, neither paragraphs nor "
        "headings"
    )
    assert paragraphs["4"][0].heading[-1] == "2. 1985 Schengen Agreement", (
        "an out-of-sequence short '2. ...' line after a closed paragraph is a sub-heading"
    )


def test_a_quoted_item_numbered_like_the_next_paragraph_stays_in_the_quoting_paragraph():
    paragraphs = by_paragraph(
        split_judgment(
            lines(
                "1. The Parliamentary Assembly adopted Resolution 1821 (2011) on 21 June 2011.",
                "2. The Resolution reads as follows: “The Assembly recalls the obligations of member States.",
                "3. The Assembly calls on member States to fulfil without delay their obligation to save "
                "people.”",
                "3. The applicants alleged that they had been intercepted on the high seas.",
                "4. The Government contested that allegation.",
            ),
            TokenBudget(words,
            BUDGET),
        )
    )
    assert [p for p in paragraphs] == ["1", "2", "3", "4"]
    assert "3. The Assembly calls on member States" in paragraphs["2"][0].text, (
        "of two '3.' lines, the quoted one (inside § 2) comes first; the later one is § 3"
    )
    assert paragraphs["3"][0].text.startswith("The applicants alleged")


def test_heading_path_replaces_headings_at_the_same_level_and_below():
    fifth = by_paragraph(split_judgment(ECTHR, TokenBudget(words, BUDGET)))["5"][0]
    assert fifth.heading == (
        "THE LAW",
        "IV. ALLEGED VIOLATION OF ARTICLE 4 OF PROTOCOL No. 4 TO THE CONVENTION",
        "B. The Court’s assessment",
        "1. Admissibility",
    ), "THE LAW must replace THE FACTS and its sub-headings; Roman, letter and number headings nest"


def test_operative_points_are_not_paragraphs_1_and_2():
    chunks = split_judgment(ECTHR, TokenBudget(words, BUDGET))
    labels = [c.paragraph for c in chunks if c.opinion is None]
    assert "operative part, point 1" in labels and "operative part, point 2" in labels, (
        "the rulings restart at 1 and must be labelled as the operative part"
    )
    assert labels.count("1") == 1 and labels.count("2") == 1, (
        "§ 1 and § 2 must not be confused with the rulings"
    )
    done = next(c for c in chunks if c.text.startswith("Done in English"))
    assert done.paragraph is None, "the formula of delivery is not part of the last ruling"


def test_separate_opinions_carry_their_label_and_their_own_numbering():
    chunks = split_judgment(ECTHR, TokenBudget(words, BUDGET))
    concurring = [c for c in chunks if c.opinion == "Concurring opinion of Judge Pinto de Albuquerque"]
    assert concurring and concurring[0].text.startswith("The Hirsi Jamaa case"), (
        "an opinion whose title runs into its first sentence must be found, its title kept out of the text"
    )
    koskelo = by_paragraph(chunks, "Partly dissenting opinion of Judge Koskelo")
    assert list(koskelo) == ["1", "2"], (
        "an opinion's numbered paragraphs restart at 1 under the opinion's label"
    )
    assert koskelo["1"][0].heading == ("Introductory remarks",), "a heading after the opinion's title is kept"


def test_cjeu_paragraphs_headings_and_rulings():
    chunks = split_judgment(
        [
            Block(t)
            for t in (
                "JUDGMENT OF THE COURT (Grand Chamber)",
                "25 October 2017 ( *1 )",
                "Majid Shiri , also known as Madzhdi Shiri,",
                "Judgment",
                "1 This request for a preliminary ruling concerns the interpretation of Articles 27(1) and "
                "29(1).",
                "2 The request has been made in the context of examination of the appeal brought by Majid "
                "Shiri.",
                "Legal context",
                "The Dublin III Regulation",
                "3 Article 29(2) of the Dublin III Regulation provides:",
                "‘2. Where the transfer does not take place within the six months’ time limit, the Member "
                "State "
                "responsible shall be relieved of its obligations.’",
                "Consideration of the questions referred",
                "Question 2",
                "4 It is apparent from the very wording of Article 29(2) that it provides for an automatic "
                "transfer.",
                "Costs",
                "5 Since these proceedings are a step in the action pending before the national court, the "
                "decision on "
                "costs is a matter for that court.",
                "On those grounds, the Court (Grand Chamber) hereby rules:",
                "1. Article 29(2) of Regulation (EU) No 604/2013 must be interpreted as meaning that "
                "responsibility is "
                "transferred automatically.",
                "2. Article 27(1) of Regulation No 604/2013 must be interpreted as meaning that an "
                "applicant can rely on it.",
                "[Signatures]",
            )
        ],
        TokenBudget(words,
        BUDGET),
    )
    paragraphs = by_paragraph(chunks)
    assert [p for p in paragraphs if p.isdigit()] == ["1", "2", "3", "4", "5"], "CJEU paragraphs are 'N text'"
    assert "‘2. Where the transfer" in paragraphs["3"][0].text, (
        "quoted legislation on the next line belongs to §3"
    )
    assert paragraphs["3"][0].heading == ("Legal context", "The Dublin III Regulation")
    assert paragraphs["4"][0].heading == ("Consideration of the questions referred", "Question 2"), (
        "'Question 2' sits under 'Consideration of the questions referred'"
    )
    assert paragraphs["5"][0].heading == ("Costs",)
    assert paragraphs["operative part, point 2"][0].text.startswith("Article 27(1)"), "rulings restart at 1"
    assert not any("Shiri ," in h for c in chunks for h in c.heading), "parties' names are not headings"


def test_a_paragraph_too_long_is_split_into_parts_with_its_number():
    long_paragraph = " ".join(f"Sentence {i} of the Court’s reasoning is here." for i in range(40))
    chunks = split_judgment(
        lines("1. First.", "2. Second paragraph.", f"3. {long_paragraph}", "4. Last."), TokenBudget(words, 50)
    )
    third = [c for c in chunks if c.paragraph == "3"]
    assert len(third) > 1 and [c.part for c in third] == list(range(1, len(third) + 1)), (
        "an over-long paragraph must become parts 1, 2, ... that all keep its number"
    )
    assert all(words(c.text) <= 50 for c in chunks), "every part must fit the budget"
    assert squeeze(" ".join(c.text for c in third)) == squeeze(long_paragraph), (
        "the parts give back the paragraph"
    )


def test_page_of_a_paragraph_is_the_page_of_its_first_line():
    chunks = split_judgment(
        [
            Block("1. First paragraph.", page=3),
            Block("2. Second paragraph starts here", page=3),
            Block("and goes on.", page=4),
            Block("3. Third paragraph.", page=4),
        ],
        TokenBudget(words,
        BUDGET),
    )
    assert [c.page for c in chunks] == [3, 3, 4], "Chunk.page is the PDF page where the passage starts"


def test_decision_without_numbered_paragraphs_is_prose_under_its_headings():
    chunks = split_judgment(
        lines(
            "FIRST SECTION DECISION AS TO THE ADMISSIBILITY OF Application no. 38025/02 by Muhamet HIDA "
            "against Denmark",
            "THE FACTS The applicant, Muhammad Hida, born in 1974, is a national of Serbia and Montenegro.",
            "He is represented before the Court by Erik Støttrup Thomsen. The Roma would not be returned in "
            "2003. "
            "COMPLAINTS",
            "1. The applicant complains that an implementation of the order to deport him will breach "
            "Article 3.",
            "THE LAW The applicant complains that being returned to Kosovo would amount to a breach of "
            "Article 3. "
            "The Court has examined the application at length and finds it manifestly ill-founded, for "
            "reasons "
            "set out in many sentences that make up most of the decision's text.",
        ),
        TokenBudget(words,
        BUDGET),
    )
    assert all(c.paragraph is None for c in chunks), "numbered complaints alone do not make paragraph numbers"
    assert {c.heading for c in chunks} >= {("THE FACTS",), ("COMPLAINTS",), ("THE LAW",)}, (
        "run-on headings 'THE FACTS ...', '... 2003. COMPLAINTS' must be split off and kept as headings"
    )


# The real judgments ------------------------------------------------------------------------------


@cache
def chunked(path: Path, count_tokens) -> list[Chunk]:
    return split_judgment(blocks_from_text(path), TokenBudget(count_tokens, BUDGET))


@pytest.fixture(scope="module")
def hirsi(corpus_dir, count_tokens):
    return chunked(corpus_dir / "case-law" / "hirsi-jamaa-v-italy-gc-2012.txt", count_tokens)


def test_hirsi_paragraphs_run_from_1_to_219_without_gaps_or_duplicates(hirsi):
    numbers = []
    for chunk in hirsi:
        if chunk.opinion is None and chunk.paragraph and chunk.paragraph.isdigit():
            if not numbers or numbers[-1] != int(chunk.paragraph):
                numbers.append(int(chunk.paragraph))
    assert numbers == list(range(1, 220)), (
        "Hirsi Jamaa's §§ 1-219 must each come out once and in order: numbered lines in quotations "
        "(Resolution 1821's '9.', the Frontex Annex's '1.') and sub-headings must not pass for paragraphs"
    )


def test_hirsi_paragraph_180(hirsi):
    chunks = [c for c in hirsi if c.paragraph == "180" and c.opinion is None]
    assert len(chunks) == 1, "§ 180 fits the budget: one chunk"
    assert chunks[0].text.startswith("Having regard to the foregoing"), "§ 180's text without its number"
    assert any("ALLEGED VIOLATION OF ARTICLE 4 OF PROTOCOL No. 4" in h for h in chunks[0].heading), (
        f"§ 180 sits under the Article 4 of Protocol No. 4 heading, got {chunks[0].heading}"
    )
    assert chunks[0].heading[0] == "THE LAW"


def test_hirsi_operative_part_is_labelled(hirsi):
    points = [c.paragraph for c in hirsi if c.paragraph and c.paragraph.startswith("operative part")]
    assert [f"operative part, point {n}" for n in range(1, 13)] == list(dict.fromkeys(points)), (
        "the twelve rulings after 'FOR THESE REASONS, THE COURT' are points 1-12 of the operative part"
    )
    twelve = next(c for c in hirsi if c.paragraph == "operative part, point 12")
    assert "(a) that the respondent State is to pay" in twelve.text, "a ruling keeps its lettered items"


def test_hirsi_concurring_opinion(hirsi):
    opinion = [c for c in hirsi if c.opinion == "Concurring opinion of Judge Pinto de Albuquerque"]
    assert len(opinion) > 20, "Judge Pinto de Albuquerque's long opinion must be chunked under its label"
    assert any("“the right to have rights”" in c.text for c in opinion)
    assert all(c.paragraph is None for c in opinion), "the opinion has no paragraph numbers to cite"
    first_opinion = hirsi.index(opinion[0])
    assert all(c.opinion for c in hirsi[first_opinion:]), "everything after the opinion's title belongs to it"


def test_shiri_paragraphs(corpus_dir, count_tokens):
    chunks = chunked(corpus_dir / "case-law" / "cjeu-c-201-16-shiri-2017.txt", count_tokens)
    paragraphs = by_paragraph(chunks)
    assert [int(p) for p in paragraphs if p.isdigit()] == list(range(1, 48)), "Shiri has paragraphs 1 to 47"
    thirty = paragraphs["30"]
    assert thirty[0].text.startswith("It is apparent from the very wording of Article 29(2)"), (
        "CJEU paragraph 30"
    )
    assert thirty[0].heading == ("Consideration of the questions referred", "Question 2")
    assert "operative part, point 1" in paragraphs and "operative part, point 2" in paragraphs, (
        "'On those grounds, the Court ... hereby rules:' opens the operative part"
    )


def test_nd_and_nt_opinions(corpus_dir, count_tokens):
    chunks = chunked(corpus_dir / "case-law" / "nd-and-nt-v-spain-gc-2020.txt", count_tokens)
    main = by_paragraph(chunks)
    assert [int(p) for p in main if p.isdigit()] == list(range(1, 245)), "N.D. and N.T.'s §§ 1-244"
    koskelo = by_paragraph(chunks, "Partly dissenting opinion of Judge Koskelo")
    assert len([p for p in koskelo if p.isdigit()]) >= 40, "Judge Koskelo numbers her paragraphs: keep them"
    assert any(c.opinion == "Concurring opinion of Judge Pejchal" for c in chunks)
    table_of_contents = chunks.index(next(c for c in chunks if c.paragraph == "1"))
    assert not any(c.opinion for c in chunks[:table_of_contents]), (
        "the opinion titles listed in the table of contents do not open opinions"
    )


def test_georgia_v_russia_opinions_in_one_line(corpus_dir, count_tokens):
    chunks = chunked(corpus_dir / "case-law" / "georgia-v-russia-i-gc-2014.txt", count_tokens)
    opinions = list(dict.fromkeys(c.opinion for c in chunks if c.opinion))
    assert opinions == [
        "Partly dissenting opinion of Judge López Guerra joined by Judges Bratza and Kalaydjieva",
        "Partly dissenting opinion of Judge Tsotsoria",
        "Dissenting opinion of Judge Dedov",
    ], "two opinions that HUDOC put on one line must both be found, with readable labels"


def test_french_decision_falls_back_to_prose(corpus_dir, count_tokens):
    chunks = chunked(
        corpus_dir / "case-law" / "sejdovic-et-sulejmanovic-c-italie-dec-2002-fr.txt", count_tokens
    )
    assert all(c.paragraph is None for c in chunks), (
        "the decision numbers its complaints twice (1-13 in GRIEFS and again in EN DROIT): not paragraph "
        "numbers"
    )
    assert any("EN DROIT" in c.heading for c in chunks), "'EN DROIT' run into the text must become a heading"
    assert any("EN FAIT" in c.heading for c in chunks)


def test_every_judgment_fits_and_keeps_the_documents_words(corpus_dir, count_tokens):
    for path in sorted((corpus_dir / "case-law").glob("*.txt")):
        chunks = chunked(path, count_tokens)
        document = squeeze(path.read_text(encoding="utf-8"))
        assert chunks, f"{path.name}: no chunks"
        for chunk in chunks:
            assert chunk.text.strip(), f"{path.name}: a chunk with empty text"
            assert count_tokens(chunk.text) <= BUDGET, (
                f"{path.name} {chunk.paragraph}: {count_tokens(chunk.text)} word pieces; the model would "
                "truncate it"
            )
            assert squeeze(chunk.text) in document, (
                f"{path.name} {chunk.paragraph}: chunk text must be the document's own words: "
                f"{chunk.text[:80]!r}"
            )
