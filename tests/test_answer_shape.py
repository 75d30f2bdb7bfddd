"""The shape of an answer's summary: what it quotes, in what order, and how, on real documents.

Fast tests check the pure helpers on sentences taken from the shipped casebook notes and the shared statutes; the
model tests ask questions users asked of a small index of real documents and check the summary they get.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from text_blocks import words

from assistant.answer import Quotable, choose_sentences, is_about_the_document, points_back, quotable_runs
from assistant.records import Answer, SummarySentence
from assistant.web.views import render_answer
from ingest.chunking import chunk_blocks
from ingest.reader import load_source, read_document
from ingest.sentences import TokenBudget, find_sentences, split_sentences

CASEBOOK = Path(__file__).resolve().parents[1] / "corpus"
EASTERN_BORDERS = CASEBOOK / "background/eastern-borders.md"
HIRSI_NOTE = CASEBOOK / "case-notes/hirsi-jamaa-v-italy-gc-2012.md"
CHARTER_NOTE = CASEBOOK / "statute-notes/eu-charter.md"

SHE_ADDED = "She added that border guards try to get rid of people"
IN_HER_WORDS = "In her words, “What matters is that a person has reached the territory"
# Sentences of the casebook notes about the note itself, not about the law.
ABOUT_THE_NOTES = [
    "This note summarises four provisions of the Charter of Fundamental Rights of the European Union.",
    "Quotations are from the text shipped with the project, which is the 2000 proclamation published in OJ C 364; "
    "later versions of the Charter are not shipped.",
    "Case-law is taken only from the judgments shipped with the project.",
    "Each paragraph names its source.",
    "This note covers Article 4 of Protocol No. 4 to the European Convention on Human Rights, quoted from the text "
    "shipped with the project.",
    "It reports what those sources say; it is not a finding of fact and it is not legal advice.",
    "The judgment itself is not shipped with the project.",
]


def paragraph(path: Path, starting: str) -> str:
    """The paragraph (blank-line separated, lines kept) of a casebook note that starts with `starting`."""
    found = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.startswith(starting)]
    assert len(found) == 1, f"{path.name} must have one paragraph starting {starting!r}: the note changed?"
    return found[0]


# Pure helpers: sentences of the real documents, no model ------------------------------------------------------


def test_a_bulleted_list_item_is_a_sentence_of_its_own_without_its_bullet():
    key_paragraphs = paragraph(HIRSI_NOTE, "- § 81:")
    sentences = find_sentences(key_paragraphs)
    assert len(sentences) == 8, f"the eight key paragraphs of the Hirsi Jamaa note are eight items: {sentences}"
    for sentence in sentences:
        assert sentence.list_item and sentence.text.startswith("§"), f"an item, its bullet left out: {sentence}"
        assert "\n" not in sentence.text and "- §" not in sentence.text, "one item never runs into the next"
        assert key_paragraphs[sentence.start :].startswith(sentence.text), "the text is exactly the document's"


def test_prose_sentences_are_not_list_items():
    sentences = find_sentences(paragraph(EASTERN_BORDERS, "Stefania Kulaeva"))
    assert [s.text[:20] for s in sentences] == ["Stefania Kulaeva of ", "In her words, “What ", "She added that borde"]
    assert not any(s.list_item for s in sentences)


@pytest.mark.parametrize("sentence", [
    f"{SHE_ADDED} so that they do not become asylum seekers in Europe.",
    "In her words, “What matters is that a person has reached the territory of a country.”",
    "It also knew or should have known that Libya offered insufficient guarantees against arbitrary return.",
    "The same digest (Are You Syrious? (Medium), 2 July 2022) reported that Poland had completed a wall.",
    "However, a transfer can take place only in conditions which preclude a real risk.",
    "Its first and second paragraphs correspond to Article 6(1) and Article 13 of the Convention.",
    "In N.D. and N.T. it observed that EU primary law enshrines the prohibition of collective expulsion.",
    "It follows that the applicants were within the jurisdiction of Italy.",
    "Thus, the Court simply pointed out the need to ensure that the right of the applicant to be heard is observed.",
    "These provisions apply at the border.",
    "The consequence of that would be that migrants having taken to the sea would not be entitled to an examination.",
    "In both cases, many of the applicants were asylum-seekers whose complaint concerned the respondent State.",
    "Article 4 would thus be ineffective in practice with regard to such situations, which are on the increase.",
])
def test_a_sentence_that_points_back_to_the_one_before_is_recognised(sentence):
    assert points_back(sentence), f"cannot be understood without the sentence before it: {sentence!r}"


@pytest.mark.parametrize("sentence", [
    "Academic freedom shall be respected.",
    "Member States shall ensure that the applicants concerned are informed of the procedure and shall therefore "
    "provide interpreters.",
    "The purpose of this Regulation is to lay down the criteria for determining the Member State responsible.",
    "This Regulation shall apply to applications for international protection.",
    "These Articles shall be regarded as additional Articles to the Convention.",
    "Hirsi Jamaa concerns eleven Somali and thirteen Eritrean nationals who left Libya for Italy (§ 9).",
    "The Court found that Polish border guards had systematically refused to accept their asylum applications.",
    "There is no right to detain people just because they entered illegally.",
    "By its first question, the referring court asks, in essence, whether Article 4 of Directive 2011/95 precludes it.",
    "Consequently, the answer to the question referred is that Article 31(8)(b) of Directive 2013/32 does not allow it.",
    "It follows from the foregoing that Article 28 of the Dublin III Regulation must be interpreted as meaning that it "
    "does not preclude national legislation.",
])
def test_a_sentence_that_stands_alone_is_not_taken_for_one_that_points_back(sentence):
    assert not points_back(sentence), f"names what it speaks of: {sentence!r}"


def test_sentences_about_the_notes_themselves_are_recognised():
    texts = [s for path in CASEBOOK.glob("*/*.md") for block in path.read_text(encoding="utf-8").split("\n\n")
             for s in split_sentences(block)]
    for sentence in ABOUT_THE_NOTES:
        assert sentence in texts, f"the casebook must still have {sentence!r}"
        assert is_about_the_document(sentence), f"about the note, not the law: {sentence!r}"


def test_a_sentence_quoting_the_shipped_text_on_the_way_to_the_law_is_not_about_the_document():
    article_18 = next(s for s in split_sentences(paragraph(CHARTER_NOTE, "Article 18 of the EU Charter"))
                      if "reads:" in s)
    assert not is_about_the_document(article_18), "it quotes Article 18 itself: it is the law"
    holdings = [s for s in split_sentences(HIRSI_NOTE.read_text(encoding="utf-8")) if s.startswith("In Hirsi")]
    assert holdings and not any(is_about_the_document(s) for s in holdings), "the holdings are the law"


def test_a_statute_short_sentence_is_quotable(corpus_dir):
    text = (corpus_dir / "statutes/eu-charter-fundamental-rights-2000.txt").read_text(encoding="utf-8")
    article_13 = text.split("Freedom of the arts and sciences\n", 1)[1].split("\n", 1)[0]
    quoted = [run[-1].text for run in quotable_runs(article_13, "statute")]
    assert "Academic freedom shall be respected." in quoted, "five words, but the whole of a right"
    assert "Academic freedom shall be respected." not in [run[-1].text for run in quotable_runs(article_13, "note")], (
        "in prose a five-word sentence is a fragment more often than not"
    )


def test_no_run_opens_with_a_sentence_that_points_back():
    for path in CASEBOOK.glob("*/*.md"):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            sentences = find_sentences(block)
            for run in quotable_runs(block, "note"):
                assert not points_back(run[0].text), f"{path.name}: quoted without what it points back to: {run}"
                assert not any(is_about_the_document(s.text) for s in run), f"{path.name}: {run}"
                positions = [sentences.index(s) for s in run]
                assert positions == list(range(positions[0], positions[0] + len(run))), "a run is consecutive"


def test_she_added_is_quoted_only_after_what_she_said_before():
    block = paragraph(EASTERN_BORDERS, "Stefania Kulaeva")
    runs = quotable_runs(block, "note")
    for run in runs:
        if run[-1].text.startswith(SHE_ADDED):
            assert len(run) > 1 and run[-2].text.startswith(IN_HER_WORDS), f"who is 'she'? {run}"
    assert not any(run[0].text.startswith(SHE_ADDED) for run in runs)


def test_the_cited_article_comes_first_in_its_own_order_then_the_best_of_the_rest():
    note = "Article 33(1) of the Refugee Convention provides that no Contracting State shall expel a refugee."
    statute = ("1. No Contracting State shall expel or return a refugee to the frontiers of territories where his "
               "life would be threatened. 2. The benefit of the present provision may not, however, be claimed by "
               "a refugee who is a danger to the security of the country.")
    quotables = [Quotable(1, run) for run in quotable_runs(statute, "statute")]
    quotables += [Quotable(2, run) for run in quotable_runs(note, "note")]
    scores = [0.86, 0.87, 0.91]  # the note's sentence is the closest to the question
    chosen = choose_sentences(quotables, scores, frozenset({1}), min_score=0.85, count=3)
    assert [s.passage for s in chosen] == [1, 1, 2], f"the Article's text first, then what the note says: {chosen}"
    assert chosen[0].text.startswith("1. No Contracting State"), "an Article is read in its own order"
    without = choose_sentences(quotables, scores, frozenset(), min_score=0.85, count=3)
    assert without[0].passage == 2, "with no Article cited, the best sentence comes first"


def test_a_dependent_sentence_goes_right_after_its_antecedent():
    block = paragraph(HIRSI_NOTE, "In Hirsi Jamaa the Court found, unanimously, two violations")
    runs = quotable_runs(block, "note")
    quotables = [Quotable(1, run) for run in runs]
    # "It also knew…" scores best; its antecedent "Italy knew…" must precede it, whatever its own score.
    scores = [0.95 if q.sentence.text.startswith("It also knew") else 0.9 - n / 100 for n, q in enumerate(quotables)]
    chosen = [s.text for s in choose_sentences(quotables, scores, frozenset(), min_score=0.8, count=3)]
    also = next(n for n, text in enumerate(chosen) if text.startswith("It also knew"))
    assert also > 0 and chosen[also - 1].startswith("Italy knew"), f"who is 'it'? {chosen}"
    assert len(chosen) == 3


def test_items_of_a_list_follow_the_sentence_that_introduces_them_in_their_order(corpus_dir):
    source = load_source(corpus_dir / "html/eurlex-cjeu-c-578-16-ppu-ck-2017-en.html")
    chunks = chunk_blocks(read_document(source).blocks, "case-law", TokenBudget(words, 400))
    answer_96 = next(chunk.text for chunk in chunks if chunk.paragraph == "96")  # C.K.: "— even where there are…"
    quotables = [Quotable(1, run) for run in quotable_runs(answer_96, "case-law")]
    first_item, second_item, *_ = (q for q in quotables if q.sentence.list_item and len(q.run) == 2)
    assert first_item.run[0].text.endswith("must be interpreted as meaning that:"), "an item needs its lead-in"
    scores = [0.95 if q is first_item else 0.9 if q is second_item else 0.5 for q in quotables]
    chosen = choose_sentences(quotables, scores, frozenset(), min_score=0.8, count=3)
    assert [s.text for s in chosen] == [s.text for s in (first_item.run[0], first_item.sentence, second_item.sentence)]
    assert Answer("q", tuple(chosen), (), abstained=False).text.splitlines()[1:] == [
        f"- {first_item.sentence.text} [1]", f"- {second_item.sentence.text} [1]"
    ], "the lead-in in prose, then its items as a list, in the judgment's order"


def test_a_summary_shows_list_items_as_a_list():
    answer = Answer("q", (
        SummarySentence("In Hirsi Jamaa the Court held that Article 4 of Protocol No. 4 applied.", 2),
        SummarySentence("§ 122: pressure at the EU's external borders cannot absolve a State.", 1, list_item=True),
        SummarySentence("§ 133: national authorities must find out how returnees will be treated.", 1, list_item=True),
        SummarySentence("Italy knew or should have known.", 3),
    ), (), abstained=False)
    assert answer.text.splitlines() == [
        "In Hirsi Jamaa the Court held that Article 4 of Protocol No. 4 applied. [2]",
        "- § 122: pressure at the EU's external borders cannot absolve a State. [1]",
        "- § 133: national authorities must find out how returnees will be treated. [1]",
        "Italy knew or should have known. [3]",
    ]


# Questions to a small index of real documents, with the real model -------------------------------------------

SUBSET = [
    "statutes/eu-charter-fundamental-rights-2000.txt",
    "statutes/refugee-convention-1951.txt",
    "statutes/echr-protocol-4.txt",
]
NOTES = [
    "statute-notes/eu-charter.md",
    "statute-notes/refugee-convention.md",
    "statute-notes/echr-protocol-4.md",
    "background/eastern-borders.md",
    "case-notes/hirsi-jamaa-v-italy-gc-2012.md",
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, corpus_dir, embedder):
    """Three statutes and five casebook notes (about 170 chunks: seconds of embedding)."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    settings = load_settings(index=tmp_path_factory.mktemp("shape") / "index")
    assistant = Assistant(settings, create=True, embedder=embedder)
    files = [corpus_dir / path for path in SUBSET] + [CASEBOOK / path for path in NOTES]
    report = assistant.ingest(files)
    assert not report.failed and len(report.added) == len(files), f"every document must ingest: {report}"
    yield assistant
    assistant.close()


KEY_PARAGRAPH = (
    "Which paragraph of Hirsi Jamaa says that pressure at the external borders cannot absolve a State of its "
    "Article 3 obligations?"
)
QUESTIONS = [
    "What does Article 33 of the Refugee Convention say?",
    "Article 4 of Protocol No. 4",
    "Is academic freedom protected by the EU Charter?",
    "Do border guards push asylum seekers back at the eastern borders?",
    "Are pushbacks a denial of the very concept of asylum?",
    "Why do border guards try to get rid of people at the border?",
    KEY_PARAGRAPH,
    "What does the EU Charter say about collective expulsions?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_summary_quotes_whole_sentences_that_stand_on_their_own(assistant, question):
    result = assistant.answer(question)
    assert result.sentences, f"the corpus answers {question!r}: a summary is expected"
    by_rank = {passage.rank: passage.text for passage in result.passages}
    shown = [s.text for s in result.sentences]
    for n, sentence in enumerate(result.sentences):
        assert sentence.text in by_rank[sentence.passage], "never a sentence that is not in the cited passage"
        assert not re.match(r"[-*•]\s", sentence.text) and "\n- " not in sentence.text, (
            f"a list's bullets never pasted into the summary: {sentence.text!r}"
        )
        assert sentence.text not in ABOUT_THE_NOTES, f"a sentence about the note, not the law: {sentence.text!r}"
        if sentence.text.startswith(SHE_ADDED):
            assert n > 0 and shown[n - 1].startswith(IN_HER_WORDS), f"who is 'she'? {shown}"
    for line in result.text.splitlines():
        assert not re.search(r"\S\s+- §", line), f"no list pasted into a paragraph: {line!r}"


def test_the_one_sentence_that_answers_comes_first_though_it_is_short(assistant):
    result = assistant.answer("Is academic freedom protected by the EU Charter?")
    assert result.sentences and result.sentences[0].text == "Academic freedom shall be respected.", (
        f"Article 13 of the Charter answers it in five words: {[s.text for s in result.sentences]}"
    )


@pytest.mark.parametrize("question, article, opening", [
    ("What does Article 33 of the Refugee Convention say?", "Convention relating to the Status of Refugees, Article 33",
     "1. No Contracting State shall expel or return"),
    ("Article 4 of Protocol No. 4", "Protocol No. 4 to the Convention", "Collective expulsion of aliens is prohibited."),
])
def test_an_articles_own_text_comes_before_what_others_say_of_it(assistant, question, article, opening):
    result = assistant.answer(question)
    cited = {p.rank: p.citation.text for p in result.passages}
    first = result.sentences[0]
    assert cited[first.passage].startswith(article) and first.text.startswith(opening), (
        f"the Article itself first, then its readings: {[(cited[s.passage], s.text) for s in result.sentences]}"
    )


def test_a_key_paragraph_is_quoted_as_a_list_item(assistant):
    result = assistant.answer(KEY_PARAGRAPH)
    items = [s for s in result.sentences if s.text.startswith("§ 122:")]
    assert items and items[0].list_item, f"§ 122 is the item that answers: {[s.text for s in result.sentences]}"
    assert f"- {items[0].text} [{items[0].passage}]" in result.text.splitlines(), "shown as an item of a list"
    html = render_answer(result)
    assert re.search(r'<div class="aa-summary">.*<ul><li>§ 122: ', html), "and on the page, an item of a list"
