"""What an uploaded PDF is said to be (title, date, issuer, citation) when no one describes it: read from the real
PDFs of the shared corpus, their text and their own document info. Model-free."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from pdf_samples import CHARTER, CRISIS_SV, DUBLIN, ECHR, QUALIFICATION, UNHCR, read_once

from ingest.metadata import (
    find_date,
    from_declared,
    from_manifest_row,
    infer,
    journal_citation,
    read_manifest,
    resolve,
    title_case,
)
from ingest.reader import read_document
from ingest.records import Metadata


@pytest.fixture(scope="module")
def parsed(corpus_dir):
    """Each corpus PDF read once for the module, as the ingest reads it (furniture removed)."""
    return read_once(read_document, corpus_dir)


@pytest.fixture
def describe(parsed):
    """What the ingest makes of a PDF uploaded on its own (no folder, no MANIFEST) under `given` descriptions."""

    def metadata(name: str, *given: dict[str, object]) -> Metadata:
        document = parsed(name)
        inferred = infer(document.blocks, PurePath(PurePath(name).name))
        return resolve(*given, from_declared(document.declared), inferred=inferred)

    return metadata


@pytest.mark.parametrize(
    ("name", "title", "date", "issuer", "citation"),
    [
        (CHARTER, "Charter of Fundamental Rights of the European Union", "2000-12-07",
         "European Parliament, Council and Commission", "OJ C 364, 18.12.2000, p. 1"),
        (ECHR, "European Convention on Human Rights", "2021-08-01", "Council of Europe", ""),
        (DUBLIN, "Regulation (EU) No 604/2013 of the European Parliament and of the Council of 26 June 2013 establishing",
         "2013-06-26", "European Parliament and Council", "OJ L 180, 29.6.2013, p. 31"),
        (QUALIFICATION, "Regulation (EU) 2024/1347 of the European Parliament and of the Council of 14 May 2024 on",
         "2024-05-14", "European Parliament and Council", "OJ L, 2024/1347, 22.5.2024"),
        (CRISIS_SV, "Europaparlamentets och rådets förordning (EU) 2024/1359 av den 14 maj 2024 om",
         "2024-05-14", "European Parliament and Council", "OJ L, 2024/1359, 22.5.2024"),
    ],
)
def test_an_uploaded_act_is_described_as_a_lawyer_would_cite_it(describe, name, title, date, issuer, citation):
    metadata = describe(name)
    assert metadata.title.startswith(title), f"{name}: the act's title as it is cited, not {metadata.title!r}"
    assert metadata.date == date, f"{name}: the act's own date (adopted, signed, proclaimed), not {metadata.date!r}"
    assert metadata.court == issuer, f"{name}: who issued the act, not {metadata.court!r}"
    assert metadata.citation == citation, f"{name}: where the Official Journal published it, not {metadata.citation!r}"
    assert metadata.kind == "statute", f"{name}: an act, chunked by its Articles, not a {metadata.kind}"


def test_the_charter_title_is_its_two_capital_lines_in_title_case(parsed):
    # The PDF has no /Title: its first lines are the title, set in capitals over two lines.
    assert "title" not in parsed(CHARTER).declared
    assert infer(parsed(CHARTER).blocks, PurePath("charter.pdf"))["title"] == (
        "Charter of Fundamental Rights of the European Union"
    ), "'CHARTER OF FUNDAMENTAL RIGHTS' / 'OF THE EUROPEAN UNION' is one title"


def test_a_pdf_creation_date_is_not_the_documents_date(describe, parsed):
    # The ECHR booklet was saved again by PDFium in 2025; the Charter was distilled on its publication day.
    assert parsed(ECHR).declared["created"] == "2025-11-06"
    assert describe(ECHR).date == "2021-08-01", "the date its text gives (the text in force from), not the file's"
    assert describe(CHARTER).date == "2000-12-07", "proclaimed at Nice on 7 December, published on the 18th"


def test_the_pdfs_own_title_wins_over_its_first_lines(describe):
    assert describe(UNHCR).title == "The 1951 Convention and 1967 Protocol relating to the Status of Refugees", (
        "the booklet's /Title, not its letter-spaced cover ('p r o t o c o l')"
    )


def test_what_the_upload_form_or_the_manifest_says_wins(describe, corpus_dir):
    form = {"title": "EU Charter (2000 text)", "date": "2000-12-18"}
    typed = describe(CHARTER, form)
    assert (typed.title, typed.date) == ("EU Charter (2000 text)", "2000-12-18"), "the form wins over the file"
    assert typed.court == "European Parliament, Council and Commission", "what the form leaves out is still read"

    row = from_manifest_row(read_manifest(corpus_dir)[CHARTER])
    listed = describe(CHARTER, {}, row)
    assert listed.title.startswith("Charter of Fundamental Rights of the European Union (2000/C 364/01) — Official")
    assert listed.citation == "OJ C 364, 18.12.2000, p. 1" and listed.date == "2000-12-07"
    assert describe(CHARTER, form, row).title == "EU Charter (2000 text)", "the form wins over the MANIFEST"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Done at Nice on the seventh day of December in the year two thousand.", "2000-12-07"),
        ("DONE at Geneva, this twenty-eighth day of July, one thousand nine hundred and fifty-one", "1951-07-28"),
        ("Done at Rome this 4th day of November 1950, in English and French", "1950-11-04"),
        ("EUROPAPARLAMENTETS OCH RÅDETS FÖRORDNING (EU) 2024/1359 av den 14 maj 2024", "2024-05-14"),
        ("Verordnung (EU) Nr. 604/2013 vom 26. Juni 2013", "2013-06-26"),
        ("on the first day of the month", None),
    ],
)
def test_dates_as_acts_write_them(text, date):
    assert find_date(text) == date


@pytest.mark.parametrize(
    ("header", "citation"),
    [
        ("EN18.12.2000 Official Journal of the European Communities C 364/1", "OJ C 364, 18.12.2000, p. 1"),
        ("EN 29.6.2013 Official Journal of the European Union L 180/31  ", "OJ L 180, 29.6.2013, p. 31"),
        ("Official Journal \nof the European Union\nEN \nL series\n2024/1347 22.5.2024", "OJ L, 2024/1347, 22.5.2024"),
        ("(1) OJ C 75, 10.3.2017, p. 97.", ""),
    ],
)
def test_official_journal_headers_become_citations(header, citation):
    assert journal_citation(header) == citation


def test_title_case_keeps_numbers_and_what_is_not_in_capitals():
    assert title_case(["REGULATION (EU) No 604/2013 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL", "of 26 June 2013"]) == (
        "Regulation (EU) No 604/2013 of the European Parliament and of the Council of 26 June 2013"
    )
    assert title_case(["PROTOCOL No. 4 TO THE CONVENTION, SECTION IV"]) == "Protocol No. 4 to the Convention, Section IV"
