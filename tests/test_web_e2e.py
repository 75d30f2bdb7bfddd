"""The web app end to end: the real app on localhost, driven in Debian's Chromium (see tests/browser.py), and its
API from gradio_client.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

from browser import SLOW, add_from_the_web, app_page, ask, free_port  # noqa: E402 - needs playwright

HOTSPOT = "Were the applicants, minors, detained in the Taranto hotspot in poor conditions?"
HOSTILE_UPLOAD = """\
Field report <img src=x onerror="window.__xss='title'"> from the Kempten transit camp

The Kempten transit camp held asylum seekers behind barbed wire <script>window.__xss='script'</script> for months.
Families were separated at the gate of the camp <img src=x onerror="window.__xss='img'"> by the guards.
"""


@pytest.fixture(scope="module")
def server(web_index, embedder, tmp_path_factory):
    from assistant.web.app import start

    folder = tmp_path_factory.mktemp("e2e")
    index = shutil.copytree(web_index, folder / "index")
    settings = load_settings(index=index, home=folder / "home", port=free_port())
    running = start(settings, Assistant(settings, embedder=embedder))
    yield running
    running.app.close()
    running.assistant.close()


@pytest.fixture
def page(browser, server):
    """A fresh page on the app; it fails the test if it loads from another host or has a script error."""
    with app_page(browser, server.url) as page:
        yield page


def upload(page, files: list[Path]):
    """Add files in the Corpus tab; return the results element once every file has one."""
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#aa-upload input[type=file]").set_input_files([str(file) for file in files])
    for file in files:  # the browser sends each file to the server first
        expect(page.locator("#aa-upload").get_by_role("cell", name=file.name)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Add to the corpus").click()
    results = page.locator(".aa-results li")
    expect(results).to_have_count(len(files), timeout=SLOW)
    return results


def find_in_list(page, title: str):
    """The document list's rows are drawn as they scroll into view: search for a title to see its row."""
    page.locator("#aa-documents").get_by_placeholder("Search").fill(title)
    expect(page.locator("#aa-documents")).to_contain_text(title)


def test_ask_shows_a_citation_with_its_paragraph_number(page, screenshots):
    answer = ask(page, HOTSPOT)
    expect(answer.locator(".aa-cite").first).to_contain_text("A.T. and Others v. Italy, no. 47287/17, §")
    answer.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(screenshots / "screenshot-ask.png"))
    down = page.locator("#aa-chat .scroll-down-button-container button")
    expect(down).to_be_visible()  # the answer's start is in view, its end below
    button = down.bounding_box()
    for text in answer.locator(".aa-text, .aa-summary").all():
        box = text.bounding_box()
        assert box["x"] + box["width"] <= button["x"] or box["y"] >= button["y"] + button["height"] or (
            box["y"] + box["height"] <= button["y"]
        ), "the ↓ button covers no text of the answer"
    marker = answer.locator(".aa-marker").last
    marker.click()
    expect(page.locator(marker.get_attribute("href"))).to_be_in_viewport()
    answer.locator(".aa-context > summary").first.click()
    expect(answer.locator(".aa-context-item.aa-current").first).to_be_visible()


def test_abstention_is_plain(page):
    answer = ask(page, "How long should I bake a sourdough loaf, and at what oven temperature?")
    expect(answer).to_contain_text("The corpus holds no passage that answers this question.")
    expect(answer).to_contain_text("Closest, but not an answer")


def test_uploaded_pdf_is_listed_and_cited(page, server, corpus_dir, screenshots):
    pdf = corpus_dir / "pdf" / "eu-charter-2000-oj-c364.pdf"
    results = upload(page, [pdf])
    expect(results.first).to_contain_text(f"{pdf.name}: added as")
    page.screenshot(path=str(screenshots / "screenshot-corpus.png"))
    charter = next(doc for doc, _ in server.assistant.index.documents() if doc.format == "pdf")
    find_in_list(page, charter.metadata.title)
    question = "Is the right to asylum guaranteed by the Charter?"
    cited = [p.citation.text for p in server.assistant.answer(question).passages if p.document == charter]
    assert cited, "the Charter's Article 18 answers this"
    expect(ask(page, question).locator(".aa-cite", has_text=cited[0]).first).to_be_visible()


def test_uploaded_markup_shows_as_text_and_never_runs(page, tmp_path):
    hostile, follow_up = tmp_path / "kempten-report.txt", tmp_path / "kempten-closure.md"
    hostile.write_text(HOSTILE_UPLOAD, encoding="utf-8")
    follow_up.write_text("# Kempten camp closed\n\nThe Kempten transit camp was closed in 2019.\n", encoding="utf-8")
    results = upload(page, [hostile, follow_up])  # several files at once, one result each
    expect(results.nth(0)).to_contain_text("kempten-report.txt: added as")
    expect(results.nth(1)).to_contain_text("kempten-closure.md: added as “Kempten camp closed”")
    find_in_list(page, 'Field report <img src=x onerror="window.__xss=\'title\'"> from the Kempten transit camp')
    answer = ask(page, "Was the Kempten transit camp surrounded by barbed wire?")
    expect(answer).to_contain_text("<script>window.__xss='script'</script>")
    expect(answer).to_contain_text("<img src=x onerror=\"window.__xss='img'\">")
    assert page.evaluate("window.__xss") is None, "no script of a document may run"


def test_a_file_of_another_type_is_refused_with_a_message(page, tmp_path, capfd):
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#aa-upload input[type=file]").set_input_files(str(program))
    expect(page.get_by_text("Invalid file type: setup.exe. Only .pdf, .docx, .html, .htm, .txt, .md").first).to_be_visible()
    page.get_by_role("button", name="Add to the corpus").click()
    expect(page.get_by_text("Choose one or more files first.").first).to_be_visible()
    assert "Traceback" not in capfd.readouterr().err, "a refused file leaves no traceback in the server log"


def test_precedents_are_listed_as_cases(page, screenshots):
    page.get_by_role("tab", name="Precedents").click()
    page.get_by_label("Facts of your client's case").fill(
        "My client, an unaccompanied minor, arrived by boat and was held for a month in a hotspot with "
        "poor hygiene and no access to a lawyer before being moved to a centre for minors."
    )
    page.get_by_role("button", name="Find precedents").click()
    first = page.locator(".aa-case").first
    expect(first).to_contain_text("A.T. and Others v. Italy, no. 47287/17, 23 November 2023", timeout=60_000)
    expect(first).to_contain_text("European Court of Human Rights")
    expect(first.locator(".aa-paragraph")).not_to_have_count(0)
    page.screenshot(path=str(screenshots / "screenshot-precedents.png"))


def test_remove_a_document(page, server):
    page.get_by_role("tab", name="Corpus").click()
    page.get_by_text("Remove a document").click()
    page.get_by_label("Document", exact=True).click()
    page.get_by_label("Document", exact=True).press_sequentially("gashi")  # typing part of a title narrows the list
    expect(page.get_by_role("option")).to_have_count(1)
    page.get_by_role("option", name="GASHI v. SWEDEN (gashi-v-sweden-dec-2010)").click()
    page.get_by_role("button", name="Remove from the corpus").click()
    expect(page.locator(".aa-results")).to_contain_text("Removed “GASHI v. SWEDEN”")
    page.locator("#aa-documents").get_by_placeholder("Search").fill("GASHI")
    expect(page.locator("#aa-documents")).not_to_contain_text("GASHI v. SWEDEN")
    assert server.assistant.index.document("gashi-v-sweden-dec-2010") is None


def test_a_loopback_address_is_refused(page, server):
    assert not server.assistant.settings.allow_private, "the app runs with the default settings"
    documents = server.assistant.index.documents()
    url = "http://127.0.0.1:9/notes.html"  # refused before any connection: nothing needs to listen there
    result = add_from_the_web(page, url)
    expect(result).to_contain_text(f"✗ {url}: could not be added: 127.0.0.1 is a loopback address")
    expect(page.get_by_label("Or add a document from its web address")).to_have_value(url)  # to be corrected
    assert server.assistant.index.documents() == documents, "a refused address changes nothing"


def test_files_on_this_machine_are_not_served(server, tmp_path):
    from urllib.error import HTTPError
    from urllib.request import urlopen

    from assistant.web.uploads import Upload, store_upload

    # Stored as the app stores every upload (content-hash name, so a repeat is a no-op): the test must not
    # depend on the uploads of the tests above, which do not run when it is run alone.
    note = tmp_path / "client-note.txt"
    note.write_text("A private note about a client, uploaded to the assistant.\n", encoding="utf-8")
    store_upload(Upload(note, note.name), server.assistant.settings)
    uploads = sorted((server.assistant.settings.home / "uploads").iterdir())
    assert uploads, "the note is stored as an upload"
    for path in (server.assistant.settings.index / "chunks.sqlite", uploads[0], Path("/etc/passwd")):
        with pytest.raises(HTTPError) as refused:
            urlopen(f"{server.url}gradio_api/file={path}")
        assert refused.value.code == 403, f"{path} must not be downloadable"


def test_api_endpoints_ask_and_search(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    answer = client.predict(HOTSPOT, ["case-law"], "", "", "", "", api_name="/ask")
    assert not answer["abstained"] and "§" in answer["passages"][0]["citation"]
    cases = client.predict("unaccompanied minors held in a hotspot", api_name="/search")
    assert cases[0]["citation"] == "A.T. and Others v. Italy, no. 47287/17, 23 November 2023"
    assert 1 <= len(cases[0]["passages"]) <= 3


def test_a_question_is_answered_while_an_upload_is_ingesting(page, server, corpus_dir, tmp_path, monkeypatch):
    from gradio_client import Client

    embedding, release = threading.Event(), threading.Event()
    ingest = server.assistant.ingest

    def held_ingest(paths, on_progress=None, metadata=None):  # stops mid-embedding until released
        def progress(step):
            on_progress(step)
            if step.stage == "embedding":
                embedding.set()
                release.wait(SLOW / 1000)

        return ingest(paths, progress, metadata)

    monkeypatch.setattr(server.assistant, "ingest", held_ingest)
    document = tmp_path / "protocol-4-copy.txt"
    protocol = (corpus_dir / "statutes" / "echr-protocol-4.txt").read_bytes()
    document.write_bytes(protocol.replace(b"Protocol No. 4", b"Protocol No. 4 (copy)"))
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#aa-upload input[type=file]").set_input_files(str(document))
    expect(page.locator("#aa-upload").get_by_role("cell", name=document.name)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Add to the corpus").click()
    try:
        assert embedding.wait(60), "the upload reaches the embedding stage"
        client = Client(server.url, verbose=False)
        answer = client.predict("Is collective expulsion of aliens prohibited?", api_name="/ask")
        assert answer["passages"][0]["citation"].endswith("Article 4"), "answered while the upload is held"
    finally:
        release.set()
    expect(page.locator(".aa-results li").first).to_contain_text("added as", timeout=SLOW)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((None,), {}, "must be text"),
        (("   ",), {}, "the question is empty"),
        (("x" * 20_000,), {}, "at most 5,000 are read"),
        ((HOTSPOT, 5), {}, "kinds: a list of names"),
        ((HOTSPOT, ["judgments"]), {}, "unknown kind 'judgments'"),
        ((HOTSPOT, None, "x" * 60_000), {}, "at most 200 are taken"),
        ((HOTSPOT, None, "", "", "2020-02-31"), {}, "'2020-02-31' is not a date"),
        ((HOTSPOT, None, "", "", "2020-99"), {}, "'2020-99' is not a date"),
        ((HOTSPOT, None, "", "", "2020", "2010"), {}, "the date range is empty"),
    ],
    ids=["none", "blank", "huge", "kinds-int", "kinds-unknown", "court-huge", "feb-31", "month-99", "range"],
)
def test_bad_api_values_come_back_as_messages(server, args, kwargs, message, capfd):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    with pytest.raises(Exception, match=message):
        client.predict(*args, **kwargs, api_name="/ask")
    assert "Traceback" not in capfd.readouterr().err, "an expected refusal leaves no traceback in the server log"


@pytest.mark.parametrize("cases", ["many", 10**9, 0], ids=["text", "huge", "zero"])
def test_a_bad_number_of_cases_comes_back_as_a_message(server, cases):
    from gradio_client import Client

    with pytest.raises(Exception, match="ask for 1 to 50"):
        Client(server.url, verbose=False).predict("minors held in a hotspot", cases=cases, api_name="/search")


def test_the_api_names_no_file_of_the_server(server):
    from gradio_client import Client

    answer = Client(server.url, verbose=False).predict(HOTSPOT, api_name="/ask")
    for passage in answer["passages"]:
        assert "/" not in passage["source"] or passage["source"].startswith("https://"), (
            f"a passage's source is its public address or its file's name, never a path: {passage['source']}"
        )
