"""What each tab of the web app shows for a given question, against a real small index (no browser)."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from html import escape

import pytest

from assistant.citations import cite
from assistant.core import Assistant
from assistant.errors import BadSetting, UploadRefused
from assistant.forms import date_bound, filters_from_values, metadata_from_form
from assistant.highlight import answer_highlights, closest_sentence
from assistant.precedents import case_key
from assistant.records import Answer, Citation, FileOutcome, Passage, Status, SummarySentence
from assistant.settings import load_settings
from assistant.web import views
from assistant.web.uploads import Upload, add_uploads, store_upload
from index.records import StoredChunk
from ingest.records import Chunk, Document, Metadata

HOTSPOT = "Were the applicants, minors, detained in the Taranto hotspot in poor conditions?"
HOSTILE = "Was the Lampedusa reception centre for asylum seekers overcrowded?"
CARS = "How long should I bake a sourdough loaf, and at what oven temperature?"
# What a hostile page or a judgment quoting an attack might hold: it must show as text, never run.
HOSTILE_TEXT = """\
Hostile notes <img src=x onerror="window.__xss=1"> on the Lampedusa reception centre

The Lampedusa reception centre for asylum seekers was overcrowded <script>window.__xss=2</script> and dirty.
Asylum seekers there slept on mattresses in the corridors <img src=x onerror="window.__xss=3"> for weeks.
"""


@pytest.fixture(scope="module")
def assistant(web_index, embedder, tmp_path_factory):
    settings = load_settings(index=web_index, home=tmp_path_factory.mktemp("home"))
    return Assistant(settings, embedder=embedder)


def test_answer_has_numbered_markers_linking_to_cited_passages(assistant):
    answer = assistant.answer(HOTSPOT)
    html = views.render_answer(answer, turn=2)
    assert not answer.abstained
    markers = re.findall(r'class="aa-marker" href="#(aa-2-\d+)"', html)
    assert markers, "each summary sentence carries a marker"
    for anchor in markers:
        assert f'id="{anchor}"' in html, f"marker #{anchor} must point at a passage of the same answer"
    cited = r'class="aa-cite">.*?A\.T\. and Others v\. Italy, no\. 47287/17, § \d+, 23 November 2023'
    assert re.search(cited, html), "the judgment's passages are cited with their paragraph number"
    for sentence in answer.sentences:
        assert f"<mark>{escape(sentence.text)}</mark>" in html, "the summary's sentences are highlighted"
    assert html.count('class="aa-context"') >= 1, "passages can be shown among their neighbours"


def test_show_in_context_marks_the_passage_among_its_neighbours(assistant):
    passage = next(p for p in assistant.answer(HOTSPOT).passages if p.chunk.paragraph == "2")
    html = views.render_context(passage)
    items = re.findall(r'<div class="aa-context-item( aa-current)?"><span class="aa-pin">§ (\d+)</span>', html)
    assert [number for _, number in items] == ["1", "2", "3", "4"], "§§ 1-4 around § 2 (the file starts at § 1)"
    assert [number for current, number in items if current] == ["2"]


def test_document_markup_is_shown_as_text(web_index_copy, embedder, tmp_path):
    hostile = tmp_path / "hostile-notes.txt"
    hostile.write_text(HOSTILE_TEXT, encoding="utf-8")
    assistant = Assistant(load_settings(index=web_index_copy, home=tmp_path / "home"), embedder=embedder)
    assistant.ingest([hostile])
    answer = assistant.answer(HOSTILE)
    hostile = [p for p in answer.passages if "Lampedusa" in p.text]
    assert hostile, "the question finds the document full of markup"
    html = views.render_answer(answer)
    assert "<script" not in html and "<img" not in html, "no tag of a document may reach the page"
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;window.__xss=3&quot;&gt;" in html
    rows = views.document_rows(assistant.index.documents())
    assert any('<img src=x onerror="window.__xss=1">' in row[0] for row in rows), (
        "the document list holds titles as plain text (the table component shows them as text)"
    )
    results = views.render_upload_results([FileOutcome('<img src=x onerror=alert(1)>.txt', Status.REFUSED, reason="no")])
    assert "<img" not in results, "file names are the user's: escaped too"


def test_abstention_says_so_and_labels_the_closest_passages(assistant):
    answer = assistant.answer(CARS)
    html = views.render_answer(answer)
    assert answer.abstained
    assert "The corpus holds no passage that answers this question." in html
    assert "Closest, but not an answer" in html and 'class="aa-passage"' in html
    assert "aa-summary" not in html and "aa-marker" not in html, "no summary, no citation markers"


def test_precedents_are_cases_each_with_its_best_paragraphs(assistant):
    facts = "Unaccompanied minors arriving by boat were held for weeks in a hotspot with poor hygiene."
    matches = assistant.precedents(facts)
    assert len(matches) >= 2 and matches[0].citation == "A.T. and Others v. Italy, no. 47287/17, 23 November 2023"
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    keys = [case_key(m.passages[0].document.metadata, m.passages[0].document.doc_id) for m in matches]
    assert len(set(keys)) == len(keys), "each case once"
    for match in matches:
        assert 1 <= len(match.passages) <= 3
        assert {p.document.doc_id for p in match.passages} == {match.passages[0].document.doc_id}
    html = views.render_precedents(matches, facts)
    assert html.count('class="aa-case"') == len(matches)
    assert "European Court of Human Rights" in html and "23 November 2023" in html
    assert re.search(r'<div class="aa-pin">§ \d+</div>', html), "each paragraph shows its pinpoint"
    for card, match in zip(html.split('class="aa-case"')[1:], matches):
        shown = card.split("<details", 1)[0]
        assert shown.count('class="aa-paragraph"') == 1, "each case shows its best paragraph, the others folded"
        folded = len(match.passages) - 1
        assert (f"{folded} more paragraph" in card) == bool(folded)
    data = views.case_match_json(matches[0])
    assert data["citation"] == matches[0].citation
    assert data["passages"][0]["citation"].startswith("A.T. and Others")


def test_a_notes_passage_names_the_judgment_paragraphs_it_summarises():
    note = Document("note", "/casebook/note.md", "h", "md", Metadata(kind="note", title="<b>Hirsi</b> — case note"))
    paragraph = Citation("Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, § 146, 23 February 2012", "§ 146")
    passage = Passage(rank=2, score=1.0, similarity=0.9, ordinal=0, document=note, chunk=Chunk("§ 146: returns."),
                      citation=Citation("note", ""), summarises=(paragraph,))
    html = views.render_passage(passage, "p2", [])
    assert f"Summarises {paragraph.text}, shown above." in html
    assert "aa-summarises" not in views.render_passage(replace(passage, summarises=()), "p2", [])


def test_source_links_only_to_web_addresses():
    assert views.source_link("https://hudoc.echr.coe.int/eng?i=001-229092").startswith('<a class="aa-source"')
    for address in ("/home/me/cases/judgment.pdf", "file:///etc/passwd", "javascript:alert(1)", ""):
        assert views.source_link(address) == "", f"{address!r} must not become a link"
    assert '"' not in views.source_link('https://x.org/"onmouseover=alert(1)').split('href="', 1)[1].split('"')[0]


def test_filters_and_metadata_forms_are_checked():
    filters = filters_from_values(
        {"kinds": ["statute"], "court": " Human Rights ", "language": "EN", "date_from": "2010", "date_to": "2012-02"}
    )
    assert (filters.kinds, filters.court, filters.language) == (("statute",), "Human Rights", "en")
    assert (filters.date_from, filters.date_to) == ("2010-01-01", "2012-02-31"), "a year or month ends last"
    assert date_bound("23 February 2012", "from", end=False) == "2012-02-23"
    with pytest.raises(BadSetting, match="not a date"):
        filters_from_values({"date_from": "last year"})
    with pytest.raises(BadSetting, match="empty"):
        filters_from_values({"date_from": "2020", "date_to": "2010"})
    assert metadata_from_form("case-law", " Title ", "", "23 February 2012", "https://example.org/x") == {
        "kind": "case-law", "title": "Title", "date": "2012-02-23", "url": "https://example.org/x",
    }
    with pytest.raises(BadSetting, match="web address"):
        metadata_from_form(url="javascript:alert(1)")
    assert metadata_from_form() == {}, "an empty form overrides nothing"


def test_uploads_are_refused_by_type_and_size_and_stored_under_their_hash(tmp_path):
    settings = load_settings(home=tmp_path / "home", max_upload_mb=0.001)  # about 1 KB
    small, big, program = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    small.write_text("Article 1. Text.", encoding="utf-8")
    big.write_bytes(b"x" * 5000)
    program.write_bytes(b"MZ")
    with pytest.raises(UploadRefused, match=r"EXE files cannot be added; the accepted types are PDF, DOCX, HTML"):
        store_upload(Upload(program, "setup.exe"), settings)
    with pytest.raises(UploadRefused, match=r"the file is 0\.0 MB; files up to 0\.001 MB can be added"):
        store_upload(Upload(big, "big.txt"), settings)
    stored = store_upload(Upload(small, "../../etc/cron.d/x.TXT"), settings)
    assert stored.parent == settings.home / "uploads" and re.fullmatch(r"[0-9a-f]{16}\.txt", stored.name), (
        "stored under its content hash with the checked suffix: the user's file name is never a path"
    )
    assert store_upload(Upload(small, "other name.txt"), settings) == stored, "the same content is stored once"


def test_a_question_is_answered_while_a_document_is_being_ingested(web_index_copy, embedder, corpus_dir, tmp_path):
    assistant = Assistant(load_settings(index=web_index_copy, home=tmp_path / "home"), embedder=embedder)
    embedding, release = threading.Event(), threading.Event()

    def hold(number, progress):  # the ingest stops in the middle of embedding until the question is answered
        if progress.stage == "embedding":
            embedding.set()
            release.wait(60)

    upload = tmp_path / "upload.tmp"  # a changed copy of Protocol No. 4, to be new content
    protocol = (corpus_dir / "statutes" / "echr-protocol-4.txt").read_bytes()
    upload.write_bytes(protocol.replace(b"Protocol No. 4", b"Protocol No. 4 (upload)"))
    results: list = []
    worker = threading.Thread(
        target=lambda: results.extend(add_uploads(assistant, [Upload(upload, "p4.txt")], None, hold))
    )
    worker.start()
    try:
        assert embedding.wait(60), "the ingest reaches the embedding stage"
        answer = assistant.answer("Is the collective expulsion of aliens prohibited?")
        assert not answer.abstained and answer.passages[0].citation.text.endswith("Article 4"), (
            "answered from the documents already there while the new one is half embedded"
        )
        assert all("(upload)" not in p.document.metadata.title for p in answer.passages), "nothing half-written"
    finally:
        release.set()
        worker.join(120)
    assert [r.status for r in results] == [Status.ADDED]
    html = views.render_upload_results(results)
    assert "✓ <b>p4.txt</b>: added as “Protocol No. 4 (upload)" in html and "passages)" in html
    again = add_uploads(assistant, [Upload(upload, "again.txt")])
    assert again[0].status is Status.UNCHANGED and "already in the corpus" in views.render_upload_results(again)


def test_corpus_changes_need_the_password_and_serving_beyond_localhost_needs_one(web_index, embedder, tmp_path):
    import gradio as gr

    from assistant.web.app import Handlers, check_exposure

    for host in ("127.0.0.1", "localhost", "::1"):
        check_exposure(load_settings(host=host))
    with pytest.raises(BadSetting, match="ASYLUM_ASSISTANT_PASSWORD"):
        check_exposure(load_settings(host="0.0.0.0"))
    check_exposure(load_settings(host="0.0.0.0", password="s3cret"))

    settings = load_settings(index=web_index, home=tmp_path, password="s3cret")
    handlers = Handlers(Assistant(settings, embedder=embedder), settings)
    for wrong in ("", "secret"):
        with pytest.raises(gr.Error, match="password"):
            handlers.remove("echr-protocol-4", wrong)
        with pytest.raises(gr.Error, match="password"):
            handlers.add_web_address("http://127.0.0.1:9/notes.html", wrong)
    assert handlers.assistant.index.document("echr-protocol-4"), "a refused removal removes nothing"
    assert "s3cret" not in repr(settings), "the password stays out of logs"


def test_api_answers_are_json(assistant):
    from assistant.web.app import Handlers, api_endpoint

    handlers = Handlers(assistant, assistant.settings)
    ask, search = api_endpoint(handlers.ask), api_endpoint(handlers.search)
    answer = ask(HOTSPOT, ["case-law"], "Human Rights", "en", "2020", "")
    assert set(answer) >= {"question", "answer", "abstained", "passages"}
    assert answer["passages"] and all(p["kind"] == "case-law" for p in answer["passages"])
    cases = search("minors held in a hotspot", cases=2)
    assert len(cases) <= 2 and cases[0]["passages"][0]["citation"]
    with pytest.raises(Exception, match="not a date"):
        ask(HOTSPOT, None, "", "", "someday", "")


def test_upload_results_say_what_happened_in_words():
    failed = FileOutcome("judgment.pdf", Status.FAILED, reason="could not parse this PDF file (EOF marker not found)")
    refused = FileOutcome("setup.exe", Status.REFUSED, reason="EXE files cannot be added; the accepted types are PDF")
    html = views.render_upload_results([failed, refused])
    assert "✗ <b>judgment.pdf</b>: could not be read: could not parse this PDF file" in html
    assert "✗ <b>setup.exe</b>: EXE files cannot be added; the accepted types are PDF." in html


# Views are functions of records: these build the records by hand, without a model or an index.

AT = Document(
    doc_id="at-v-italy", source="/corpus/at.txt", content_hash="h", format="txt",
    metadata=Metadata(kind="case-law", title="CASE OF A.T. AND OTHERS v. ITALY", date="2023-11-23",
                      court="European Court of Human Rights", application_numbers=("47287/17",)),
)
PARAGRAPHS = [
    Chunk("The applicants arrived in Italy by boat. They were minors <b>alone</b>.", paragraph="1"),
    Chunk("They were held in the Taranto hotspot for weeks. The hygiene was poor.", paragraph="2"),
    Chunk("The Government contested that.", paragraph="3"),
]


def passage_of(ordinal: int, rank: int = 1) -> Passage:
    chunk = PARAGRAPHS[ordinal]
    context = tuple(StoredChunk(n + 10, AT.doc_id, n, c) for n, c in enumerate(PARAGRAPHS))
    return Passage(rank=rank, score=0.5, similarity=0.9, ordinal=ordinal, document=AT, chunk=chunk,
                   citation=cite(AT, chunk), context=context)


def test_an_answer_renders_from_its_records_alone():
    second, first = passage_of(1, rank=1), passage_of(0, rank=2)
    answer = Answer("Were minors held in the hotspot?", (SummarySentence("They were held in the Taranto hotspot for "
                    "weeks.", 1),), (second, first), abstained=False)
    html = views.render_answer(answer, turn=3)
    assert 'href="#aa-3-1"' in html and 'id="aa-3-1"' in html and 'id="aa-3-2"' in html, "markers link in-answer"
    assert "<mark>They were held in the Taranto hotspot for weeks.</mark>" in html, "the quoted sentence is marked"
    assert "A.T. and Others v. Italy, no. 47287/17, § 2, 23 November 2023" in html
    assert "<b>alone</b>" not in html and "&lt;b&gt;alone&lt;/b&gt;" in html, "document text is escaped"
    context = views.render_context(second)
    items = re.findall(r'<div class="aa-context-item( aa-current)?"><span class="aa-pin">§ (\d+)</span>', context)
    assert items == [("", "1"), (" aa-current", "2"), ("", "3")], "the passage among its neighbours, marked"
    assert views.render_context(replace(second, context=second.context[1:2])) == "", "alone: nothing to unfold"


def test_a_cited_paragraph_lists_where_the_corpus_cites_it():
    citations = (Citation("Khlaifia and Others v. Italy [GC], no. 16483/12, § 238 <i>", "§ 238"),
                 Citation("Khlaifia and Others v. Italy [GC], no. 16483/12, § 243", "§ 243"))
    html = views.render_cited_in(replace(passage_of(1), cited_in=citations, cited_by=1))
    assert "Cited in 1 document of this corpus" in html and html.count("<li>") == 2
    assert "§ 238 &lt;i&gt;" in html, "escaped"
    assert views.render_cited_in(passage_of(1)) == "", "cited nowhere: nothing shown"
    assert "aa-cited" in views.render_passage(replace(passage_of(1), cited_in=citations, cited_by=1), "a", [])


def test_the_sentence_closest_to_the_question_is_highlighted():
    assert closest_sentence(PARAGRAPHS[1].text, "hotspot weeks") == "They were held in the Taranto hotspot for weeks."
    assert closest_sentence(PARAGRAPHS[2].text, "hotspot") is None
    answer = Answer("poor hygiene?", (), (passage_of(1),), abstained=True)
    assert answer_highlights(answer) == {1: ("The hygiene was poor.",)}, "no summary: the closest sentence"


def test_an_upload_that_adds_nothing_says_why_and_leaves_no_copy(web_index_copy, embedder, tmp_path):
    assistant = Assistant(load_settings(index=web_index_copy, home=tmp_path / "home"), embedder=embedder)
    empty, fake = tmp_path / "empty.upload", tmp_path / "fake.upload"
    empty.write_bytes(b"")
    fake.write_bytes(b"MZ" + bytes(300))  # a program named .pdf
    results = add_uploads(assistant, [Upload(empty, "empty.pdf"), Upload(fake, "report.pdf")])
    assert [r.status for r in results] == [Status.FAILED, Status.FAILED]
    assert "empty" in results[0].reason and "not a PDF" in results[1].reason, [r.reason for r in results]
    assert list(assistant.settings.uploads.iterdir()) == [], "refused files are not kept in uploads/"
