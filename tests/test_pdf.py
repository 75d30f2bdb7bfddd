"""The PDF reader on the real PDFs of the shared corpus, and on broken PDFs made in tmp_path."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest
from pdf_samples import CHARTER, CRISIS_SV, DUBLIN, ECHR, QUALIFICATION, UNHCR, read_once
from pypdf import PdfReader, PdfWriter

from ingest.errors import UnreadableDocument
from ingest.pdf import ENCRYPTED, NO_TEXT, read_pdf
from ingest.reader import load_source, read_document
from ingest.records import ParsedDocument


@pytest.fixture(scope="module")
def read(corpus_dir):
    """Read each corpus PDF once for the whole module."""
    return read_once(read_pdf, corpus_dir)


def lines(document: ParsedDocument) -> list[str]:
    return [block.text for block in document.blocks]


def article_numbers(document: ParsedDocument, word: str = "Article") -> list[int]:
    return [int(text.split()[1]) for text in lines(document) if re.fullmatch(rf"{word} \d+", text)]


def test_dublin_article_headings_are_lines_on_their_pages(read):
    dublin = read(DUBLIN)
    assert article_numbers(dublin) == list(range(1, 50)), (
        "each of Articles 1-49 must be a line of its own, in order"
    )
    article_29 = next(block for block in dublin.blocks if block.text == "Article 29")
    # Article 29 is printed on OJ page L 180/47, the 17th page of the PDF.
    assert article_29.page == 17, "a citation gives the PDF page where the Article starts"
    after = lines(dublin)[lines(dublin).index("Article 29") :][:3]
    assert after[1:] == [
        "Modalities and time limits",
        "1. The transfer of the applicant or of another person as",
    ], "the Article's title and its numbered paragraph 1 must follow as their own lines"


def test_dublin_running_headers_are_gone(read):
    headers = [
        text
        for text in lines(read(DUBLIN))
        if re.search(r"Official Journal of the European Union\s+(L 180|29\.6)", text)
    ]
    assert headers == [], "the running header 'EN 29.6.2013 Official Journal ... L 180/31' is page furniture"
    assert "Official Journal of the European Union or at a later date specified" in lines(read(DUBLIN)), (
        "a sentence that mentions the Official Journal is text and must stay"
    )


def test_dublin_hyphenation(read):
    text = "\n".join(lines(read(DUBLIN)))
    assert "frontiers in which free movement of persons is guaranteed" in text, (
        "'guar \\xad' + 'anteed' must be joined"
    )
    assert "\xad" not in text, "no soft hyphen may be left in the text"
    assert "respecting the principle of non-refoulement," in text, "a real compound keeps its hyphen"
    assert "thirdcountry" not in text and text.count("third-country") > 20
    # Recital (7) runs from page 1 to page 2 across the footnotes: "Func \xad" / footnotes / "tioning".
    assert "accordance with Article 78 of the Treaty on the Functioning" in text


def test_dublin_footnotes_do_not_cut_the_text(read):
    dublin = read(DUBLIN)
    text = lines(dublin)
    # Recital (7) runs from page 1 to page 2; page 1's footnotes were printed in between.
    start = text.index("of the European Union (TFEU), for those granted")
    assert text[start + 1] == "international protection, by 2012 at the latest.", (
        "a sentence running on to the next page must not be cut by the page's footnotes"
    )
    notes = dublin.blocks[text.index("Footnotes") :]
    assert notes[0].role == "heading", "the footnotes are set aside at the end, after a 'Footnotes' heading"
    first = notes[1]
    assert (first.text, first.page) == ("( 1 ) OJ C 317, 23.12.2009, p. 115.", 1), "a footnote keeps its page"


def test_dublin_declares_its_title_and_date(read):
    declared = read(DUBLIN).declared
    assert declared["title"].startswith("Regulation (EU) No 604/2013 of the European Parliament"), declared
    assert declared["created"] == "2013-06-27", (
        "the PDF's /CreationDate D:20130627170548+02'00' as an ISO date"
    )


def test_oj_l_single_column_regulation(read):
    qualification = read(QUALIFICATION)
    assert article_numbers(qualification) == list(range(1, 43)), (
        "Articles 1-42 must each be a line of its own"
    )
    furniture = [
        text
        for text in lines(qualification)
        if re.fullmatch(r"(EN )?OJ L, 22\.5\.2024( EN)?|.*eli/reg/2024/1347/oj \d+/34|\d+/34 ELI: .*", text)
    ]
    assert furniture == [], (
        "'OJ L, 22.5.2024 EN' and 'ELI: http://data.europa.eu/eli/reg/2024/1347/oj 9/34' are page furniture"
    )


def test_swedish_oj_pdf_keeps_its_articles_and_words(read):
    crisis = read(CRISIS_SV)
    assert article_numbers(crisis, "Artikel") == list(range(1, 21)), (
        "'Artikel 5' headings must be lines of their own"
    )
    text = "\n".join(lines(crisis))
    # pypdf's layout mode splits bold defined terms ("(Genèv ekonventionen)"): not the mode for this PDF.
    assert "(Genèvekonventionen)" in text and "(stadgan)" in text
    assert not re.search(r"^(SV )?EUT L, 22\.5\.2024( SV)?$", text, re.MULTILINE), (
        "the running header must go"
    )
    assert "sök- och räddningsinsatser" in text, "a suspended hyphen ('sök- och') is not a broken word"


def test_echr_booklet_small_caps_and_spreads(read):
    echr = read(ECHR)
    text = lines(echr)
    assert "The Governments signatory hereto, being members of the Council" in text, (
        "pypdf reads the small caps as 'The GovernmenTs siGnaTory hereTo'; the reader must repair that"
    )
    assert not [line for line in text if re.fullmatch(r"\d+( \d+)?", line)], (
        "booklet page numbers like '8 9' must go"
    )
    # Each PDF page holds two booklet pages side by side: they must be read one after the other.
    start = text.index("ARTICLE 5")
    assert text[start + 1 : start + 3] == [
        "Right to liberty and security",
        "1. Everyone has the right to liberty and security of person. No",
    ]


def test_charter_dashes_and_articles(read):
    charter = read(CHARTER)
    assert article_numbers(charter) == list(range(1, 55)), "Articles 1-54 of the Charter must each be a line"
    assert (
        "— the free and informed consent of the person concerned, according to the procedures laid down by"
        in lines(charter)
    ), "the list dashes come out of pypdf as U+0097 and must read as em dashes"
    assert not [text for text in lines(charter) if "Official Journal of the European Communities" in text]
    assert "title" not in charter.declared, "the Charter PDF has no /Title: none must be invented"


def test_unhcr_booklet_reads_drop_capitals_and_footnotes(read):
    unhcr = read(UNHCR)
    text = lines(unhcr)
    # pypdf's plain mode splits this InDesign layout's drop capitals: "(1) H" / "as been considered".
    assert "(1) Has been considered a refugee under the Arrangements of 12 May 1926" in text
    assert "(1) United Nations General Assembly resolution 429(V) of 14 December 1950, available at" in text
    assert not [line for line in text if "c o n v e n t i o n" in line], (
        "the letter-spaced running title must go"
    )
    assert "of refugee being accorded to persons who fulfil the conditions of paragraph" in text, (
        "'para-' + 'graph'"
    )
    assert (
        unhcr.declared["title"] == "The 1951 Convention and 1967 Protocol relating to the Status of Refugees"
    )


def test_pypdf_warnings_go_to_debug_logging_not_stderr(corpus_dir, caplog, capfd):
    # The Charter's Type 1 fonts make pypdf warn 55 times that fontTools is missing.
    with caplog.at_level(logging.DEBUG):
        read_pdf(load_source(corpus_dir / CHARTER))
    assert not [record for record in caplog.records if record.name.startswith("pypdf")], (
        "pypdf's own warnings must not reach the application's log handlers at WARNING level"
    )
    relogged = [
        record for record in caplog.records if record.name == "ingest.pdf" and "pypdf:" in record.getMessage()
    ]
    assert relogged and all(record.levelno == logging.DEBUG for record in relogged), "they are kept, at DEBUG"
    assert "fontTools" not in capfd.readouterr().err, "nothing may be printed on stderr"
    pypdf_logger = logging.getLogger("pypdf")
    assert pypdf_logger.propagate and not pypdf_logger.handlers, (
        "the pypdf logger must be left as it was found"
    )


def one_page_pdf(corpus_dir: Path, target: Path, **encryption: str) -> Path:
    """A one-page PDF with a text layer (the Charter's page 9), optionally encrypted."""
    writer = PdfWriter()
    writer.add_page(PdfReader(corpus_dir / CHARTER).pages[8])
    if encryption:
        writer.encrypt(**encryption)
    writer.write(target)
    return target


def test_password_protected_pdf_is_refused_with_advice(corpus_dir, tmp_path):
    path = one_page_pdf(corpus_dir, tmp_path / "locked.pdf", user_password="secret")
    with pytest.raises(UnreadableDocument) as raised:
        read_pdf(load_source(path))
    assert raised.value.reason == ENCRYPTED and raised.value.reason.startswith(
        "encrypted PDF: decrypt it first"
    )


def test_pdf_encrypted_only_against_editing_is_read(corpus_dir, tmp_path):
    path = one_page_pdf(corpus_dir, tmp_path / "no-edit.pdf", user_password="", owner_password="owner")
    assert "Article 1" in lines(read_pdf(load_source(path))), "a PDF that opens without a password must be read"


def test_random_bytes_are_not_a_pdf(tmp_path):
    path = tmp_path / "noise.pdf"
    path.write_bytes(os.urandom(4096).replace(b"%PDF-", b"%PDF_"))
    with pytest.raises(UnreadableDocument, match="not a PDF file"):
        read_pdf(load_source(path))


def test_truncated_pdf_is_damaged(corpus_dir, tmp_path):
    data = (corpus_dir / DUBLIN).read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(UnreadableDocument, match=r"damaged PDF .*download or export it again"):
        read_pdf(load_source(path))


def test_pdf_without_text_needs_ocr(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    path = tmp_path / "scan.pdf"
    writer.write(path)
    with pytest.raises(UnreadableDocument) as raised:
        read_pdf(load_source(path))
    assert raised.value.reason == NO_TEXT and "OCR" in raised.value.reason


def test_title_only_when_meaningful(corpus_dir, tmp_path):
    named = one_page_pdf(corpus_dir, tmp_path / "named.pdf")
    writer = PdfWriter(clone_from=named)
    writer.add_metadata({"/Title": "Microsoft Word - draft 3.docx"})
    writer.write(tmp_path / "word.pdf")
    assert "title" not in read_pdf(load_source(tmp_path / "word.pdf")).declared, "a file name is no title"
    writer.add_metadata({"/Title": "  Charter of Fundamental\nRights  "})
    writer.write(tmp_path / "charter.pdf")
    assert read_pdf(load_source(tmp_path / "charter.pdf")).declared["title"] == "Charter of Fundamental Rights"


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableDocument, match="cannot open the file"):
        read_pdf(load_source(tmp_path / "absent.pdf"))


def test_extraction_mode_heuristics_on_real_pages(corpus_dir):
    # Private helpers, tested on the pages that motivated them: layout mode would interleave the two
    # columns of an Official Journal page, and plain mode breaks up the UNHCR booklet's drop capitals.
    from ingest.pdf import _is_multi_column, _looks_fragmented

    dublin = PdfReader(corpus_dir / DUBLIN).pages[15]
    unhcr = PdfReader(corpus_dir / UNHCR).pages[15]
    assert _is_multi_column(dublin.extract_text(extraction_mode="layout").splitlines())
    assert not _is_multi_column(unhcr.extract_text(extraction_mode="layout").splitlines())
    assert _looks_fragmented(unhcr.extract_text().splitlines()), (
        "'(1) H' / 'as been considered' is a split drop capital"
    )
    assert not _looks_fragmented(dublin.extract_text().splitlines())


@pytest.mark.parametrize(("name", "readings"), [(DUBLIN, 29), (UNHCR, 2 * 56)])
def test_reading_reports_each_page(corpus_dir, name, readings):
    # A big upload's progress must move while its pages are read, not only once the whole file is.
    steps: list[tuple[int, int]] = []
    read_document(load_source(corpus_dir / name), on_page=lambda done, total: steps.append((done, total)))
    done = [step[0] for step in steps]
    assert done == list(range(1, readings + 1)), f"one step per page read, in order: {steps[:5]}…"
    assert all(step[0] <= step[1] for step in steps) and steps[-1] == (readings, readings), (
        "never more done than the total, and all done at the end (the UNHCR booklet's pages are read twice)"
    )


def test_pages_read_in_the_isolated_reader_are_reported(corpus_dir):
    from ingest.isolation import IsolatedReader

    steps: list[tuple[int, int]] = []
    with IsolatedReader() as reader:
        parsed = reader.read(load_source(corpus_dir / DUBLIN), on_page=lambda done, total: steps.append((done, total)))
    assert steps == [(page, 29) for page in range(1, 30)], "each page read in the child reaches the parent, in order"
    assert article_numbers(parsed) == list(range(1, 50)), "and the document still comes back whole"
