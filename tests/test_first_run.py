"""The first start on an empty data folder: the app opens at once while the casebook is indexed beside it, and
documents are added from the web in its Corpus tab.

The casebook here is a small copy of a few of corpus/'s notes (setting `casebook`), so that its build takes
seconds; the shipped one is the same kind of files, only more of them.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.casebook import PENDING, CasebookBuild, needs_casebook
from assistant.core import Assistant
from assistant.settings import load_settings, shipped_casebook

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

from browser import SLOW, add_from_the_web, app_page, ask, free_port  # noqa: E402 - needs playwright

BELARUS = "Is it legal to return asylum seekers to Belarus without examining their claims?"
# Sorted as the build reads them, the background note comes first: it alone answers BELARUS.
SAMPLE_NOTES = [
    "background/eastern-borders.md",
    "case-notes/nd-and-nt-v-spain-gc-2020.md",
    "statute-notes/echr-protocol-4.md",
    "statute-notes/refugee-convention.md",
]
# A real report of the shared corpus, served as a web site serves Markdown.
WEB_DOCUMENT = "articles/us-state-hiu-belarus-border-update-2022-02-03.md"
WEB_TITLE = (
    "Belarus Border Update: Humanitarian Concerns Continue for Migrants in Belarus, Latvia, Lithuania, & Poland"
)


def copy_notes(folder: Path, notes: list[str]) -> Path:
    for note in notes:
        (folder / note).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped_casebook() / note, folder / note)
    return folder


@dataclass
class FirstStart:
    server: object  # assistant.web.Server
    build: CasebookBuild
    held: threading.Event  # set when the build has indexed the first note and waits
    release: threading.Event  # set by the test to let the build go on


@pytest.fixture(scope="module")
def first_start(tmp_path_factory, embedder):
    """`serve` on an empty data folder, as the CLI starts it; the build waits after its first note until the
    test releases it, so that the page is seen while the casebook is half indexed."""
    from assistant.web.app import start

    casebook = copy_notes(tmp_path_factory.mktemp("casebook"), SAMPLE_NOTES)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("ASYLUM_ASSISTANT_HOME", str(tmp_path_factory.mktemp("home")))
        environment.setenv("ASYLUM_ASSISTANT_CASEBOOK", str(casebook))
        settings = load_settings(port=free_port(), allow_private=True)  # the web site below is on 127.0.0.1
    assert needs_casebook(settings), "an empty data folder has no index: the casebook is to be built"
    held, release = threading.Event(), threading.Event()

    def hold(progress) -> None:
        if progress.stage == "embedding" and progress.documents_done == 1:
            held.set()
            release.wait(SLOW / 1000)

    build = CasebookBuild(Assistant(settings, create=True, embedder=embedder), hold)
    server = start(settings, build.assistant, build)
    yield FirstStart(server, build, held, release)
    release.set()
    build.join(SLOW / 1000)
    server.app.close()
    server.assistant.close()


class WebSite(ThreadingHTTPServer):
    """A web site on 127.0.0.1 that serves WEB_DOCUMENT, from the shared corpus, as Markdown."""

    daemon_threads = True

    def __init__(self, corpus: Path):
        super().__init__(("127.0.0.1", 0), _WebSiteHandler)
        self.document = (corpus / WEB_DOCUMENT).read_bytes()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/reports/belarus-border-update.md"


class _WebSiteHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        found = self.path == "/reports/belarus-border-update.md"
        body = self.server.document if found else b"not found"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/markdown; charset=utf-8" if found else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def web_site(corpus_dir):
    site = WebSite(corpus_dir)
    thread = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    site.shutdown()
    site.server_close()


def test_the_app_opens_at_once_and_says_the_casebook_is_being_indexed(first_start, browser):
    settings = first_start.server.assistant.settings
    with app_page(browser, first_start.server.url) as page:
        assert first_start.held.wait(SLOW / 1000), "the build starts once the app is serving"
        state = first_start.build.state
        notice = page.locator("#aa-build-notice")
        expect(notice).to_contain_text(
            f"Building the index of the shipped casebook: {state.done} of {state.total} passages…"
        )

        expect(page.locator("#aa-corpus-summary")).to_contain_text("1 document · ")  # what is indexed so far
        answer = ask(page, BELARUS)  # answered from the one note indexed so far, the notice still up
        expect(answer.locator(".aa-cite").first).to_contain_text("Pushbacks at the EU's eastern borders")
        expect(notice).to_be_visible()

        first_start.release.set()
        expect(notice).to_be_hidden(timeout=SLOW)
        # The page opened with at most the first note listed: the list is refreshed when the build is over.
        expect(page.locator("#aa-corpus-summary")).to_contain_text(f"{len(SAMPLE_NOTES)} documents")
        page.get_by_role("tab", name="Corpus").click()
        expect(page.locator("#aa-documents")).to_contain_text("N.D. and N.T. v. Spain")  # the list refreshed

        answer = ask(page, BELARUS)
        expect(answer.locator(".aa-summary")).to_contain_text("Belarus")
        expect(answer.locator(".aa-marker")).not_to_have_count(0)
        expect(answer.locator(".aa-cite").first).to_contain_text("Pushbacks at the EU's eastern borders")
    assert not first_start.build.state.failed
    assert not (settings.index / PENDING).exists() and not needs_casebook(settings), (
        "a finished build leaves an index that the next start uses as it is"
    )


def test_a_document_is_added_from_the_web(first_start, browser, web_site):
    assistant = first_start.server.assistant
    with app_page(browser, first_start.server.url) as page:
        result = add_from_the_web(page, web_site.url)
        expect(result).to_contain_text(f"✓ {web_site.url}: added as “{WEB_TITLE}” (")
        expect(result).to_contain_text(re.compile(r"\(\w[\w ]*, \d+ passages?\)"))
        expect(page.get_by_label("Or add a document from its web address")).to_have_value("")
        document = next(doc for doc, _ in assistant.index.documents() if doc.metadata.url == web_site.url)
        answer = ask(page, "How many migrants were living in the warehouse near the Bruzgi border crossing?")
        expect(answer.locator(".aa-cite", has_text=document.metadata.title).first).to_be_visible()


def test_a_failed_build_says_which_file_and_why(tmp_path, embedder):
    from assistant.web import views

    casebook = copy_notes(tmp_path / "casebook", SAMPLE_NOTES[2:3])
    (casebook / "statute-notes" / "draft.pdf").write_bytes(b"not a PDF at all")
    settings = load_settings(home=tmp_path / "home", casebook=casebook)
    build = CasebookBuild(Assistant(settings, create=True, embedder=embedder))
    assert needs_casebook(settings), "until the build is over, a start (after a crash, Ctrl+C) resumes it"
    build.start()
    assert build.join(SLOW / 1000)
    html = views.render_build_notice(build.state)
    assert "1 file of the shipped casebook" in html
    assert "<b>statute-notes/draft.pdf</b>: not a PDF file" in html, "named by its place in the casebook"
    indexed = [doc.doc_id for doc, _ in build.assistant.index.documents()]
    assert indexed == ["echr-protocol-4"], "the rest of the casebook is indexed"


@pytest.mark.model  # its command loads the model
def test_serve_on_an_empty_data_folder(tmp_path):
    """The command itself: it serves before the casebook is indexed, with progress bars on the terminal."""
    from urllib.request import urlopen

    casebook = copy_notes(tmp_path / "casebook", SAMPLE_NOTES[2:3])
    home = tmp_path / "home"
    environment = {"ASYLUM_ASSISTANT_HOME": str(home), "ASYLUM_ASSISTANT_CASEBOOK": str(casebook)}
    command = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(free_port())]
    # The user's own ASYLUM_ASSISTANT_* settings do not apply to the test's server.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("ASYLUM_ASSISTANT_")}
    process = subprocess.Popen(
        command, env={**inherited, **environment}, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    lines: queue.Queue[str] = queue.Queue()  # stderr, read in a thread: a wait can then time out
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()

    def read_until(pattern: str) -> list[str]:
        seen: list[str] = []
        while not (seen and re.search(pattern, seen[-1])):
            try:
                seen.append(lines.get(timeout=SLOW / 1000))
            except queue.Empty:
                pytest.fail(f"`serve` never wrote {pattern!r}; it wrote: {''.join(seen)}")
        return seen

    try:
        started = read_until(r"serving .* on (http://\S+)")
        assert "indexing" in started[0] and str(casebook) in started[0], started
        url = re.search(r"on (http://\S+)", started[-1])[1]
        assert urlopen(url).status == 200
        built = "".join(read_until(r"casebook indexed: "))
        assert "embedding: 100%" in built, "the terminal shows the build's progress bars"
        assert "1 added" in built and "0 failed" in built, built
    finally:
        process.terminate()
        process.wait(60)
    assert not needs_casebook(load_settings(home=home)), "the next start serves this index as it is"

