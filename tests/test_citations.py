"""Pinpoint citations from metadata and a chunk's place, in each court's style; no model, no index."""

from __future__ import annotations

from dataclasses import replace

from assistant.citations import cite, format_date, instrument_name
from ingest.records import Chunk, Document, Metadata


def document(**fields) -> Document:
    return Document(doc_id="d", source="/corpus/d.txt", content_hash="h", format="txt", metadata=Metadata(**fields))


HIRSI = document(
    kind="case-law", title="CASE OF HIRSI JAMAA AND OTHERS v. ITALY", date="2012-02-23",
    court="European Court of Human Rights (Grand Chamber)", application_numbers=("27765/09",),
)


def test_ecthr_paragraph_comes_before_the_date():
    citation = cite(HIRSI, Chunk("...", paragraph="180"))
    assert citation.text == "Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, § 180, 23 February 2012"
    assert citation.pinpoint == "§ 180"


def test_a_given_citation_keeps_its_words_and_gets_the_pinpoint_before_the_date():
    given = document(kind="case-law", title="M.K. and Others v. Poland", court="European Court of Human Rights",
                     citation="M.K. and Others v. Poland, nos. 40503/17, 42902/17 and 43643/17, 23 July 2020")
    assert cite(given, Chunk("...", paragraph="178")).text == (
        "M.K. and Others v. Poland, nos. 40503/17, 42902/17 and 43643/17, § 178, 23 July 2020"
    )


def test_separate_opinions_and_the_operative_part_are_named():
    opinion = cite(HIRSI, Chunk("...", paragraph="4", opinion="Concurring opinion of Judge Pinto de Albuquerque"))
    assert opinion.pinpoint == "Concurring opinion of Judge Pinto de Albuquerque, § 4"
    assert cite(HIRSI, Chunk("...", paragraph="operative part, point 2")).pinpoint == "operative part, point 2"


def test_cjeu_paragraphs_are_paragraphs():
    shiri = document(kind="case-law", title="Shiri", court="Court of Justice of the European Union",
                     date="2017-10-25", case_numbers=("C-201/16",), ecli="ECLI:EU:C:2017:805")
    citation = cite(shiri, Chunk("...", paragraph="30"))
    assert citation.text == (
        "Judgment of the Court of Justice of 25 October 2017, Shiri, C-201/16, ECLI:EU:C:2017:805, paragraph 30"
    )
    untitled = document(kind="case-law", title="JUDGMENT OF THE COURT (Grand Chamber)", date="2017-10-25",
                        court="Court of Justice of the European Union", case_numbers=("C-201/16",))
    assert cite(untitled, Chunk("...", paragraph="30")).text == (
        "Judgment of the Court of Justice of 25 October 2017, C-201/16, paragraph 30"
    )
    parties = replace(untitled.metadata, title="C. K. and Others v Republika Slovenija (C-578/16 PPU)",
                      case_numbers=("C-578/16 PPU",))
    assert cite(replace(untitled, metadata=parties), Chunk("...", paragraph="65")).text == (
        "Judgment of the Court of Justice of 25 October 2017, C. K. and Others v Republika Slovenija, C-578/16 PPU, "
        "paragraph 65"
    )


def test_statutes_cite_the_article_paragraph_and_page():
    dublin = document(kind="statute", title="Regulation (EU) No 604/2013 of the European Parliament and of the Council",
                      citation="Regulation (EU) No 604/2013")
    citation = cite(dublin, Chunk("...", article="29", paragraph="2", page=17))
    assert citation.text == "Regulation (EU) No 604/2013, Article 29(2), p. 17"
    assert citation.pinpoint == "Article 29(2), p. 17"
    assert instrument_name(Metadata(kind="statute", title="Protocol No. 4 — securing certain rights")) == (
        "Protocol No. 4"
    )


def test_notes_say_they_are_the_casebooks_own():
    note = document(kind="note", title="Hirsi Jamaa and Others v. Italy [GC] (2012) — case note")
    assert cite(note, Chunk("...", heading=("Key paragraphs",))).text == (
        "Hirsi Jamaa and Others v. Italy [GC] (2012) — case note (asylum-assistant casebook), Key paragraphs"
    )


def test_a_case_note_cites_the_paragraphs_it_summarises():
    ecthr = document(
        kind="note", title="Hirsi Jamaa and Others v. Italy [GC] (2012) — case note", application_numbers=("27765/09",),
        citation="Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, 23 February 2012",
    )
    key = Chunk("- §§ 146-147: indirect refoulement leaves the returning State responsible.", heading=("Key paragraphs",))
    assert cite(ecthr, key).text == (
        "Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, §§ 146-147, 23 February 2012 — casebook note"
    )
    other_case = Chunk("The Court held so (§ 81) under Article 5 § 4, as in (N.D. and N.T. v. Spain [GC], § 182).")
    assert cite(ecthr, other_case).pinpoint == "§ 81", "a paragraph of another case is not this one's"
    assert cite(ecthr, Chunk("No paragraph here.", heading=("Facts",))).text == (
        "Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, 23 February 2012 — casebook note, Facts"
    )
    cjeu = document(
        kind="note", title="Jafari (C-646/16, 2017) — case note", case_numbers=("C-646/16",),
        court="Court of Justice of the European Union (Grand Chamber)",
        citation="Judgment of the Court of Justice of 26 July 2017, Jafari, C-646/16, ECLI:EU:C:2017:586",
    )
    assert cite(cjeu, Chunk("It is not a visa (paragraph 59; paragraphs 37 and 38).")).text == (
        "Judgment of the Court of Justice of 26 July 2017, Jafari, C-646/16, ECLI:EU:C:2017:586, "
        "paragraphs 59, 37 and 38 — casebook note"
    )


def test_dates_read_as_lawyers_write_them():
    assert format_date("2012-02-23") == "23 February 2012"
    assert format_date("2012") == "2012" and format_date("") == ""
