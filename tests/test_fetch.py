"""`fetch` against local HTTP servers shaped like HUDOC, EUR-Lex and an ordinary web site.

The servers serve the real saved documents of ../shared/corpus on 127.0.0.1, so every test passes the policy
that allows loopback addresses, except the one that checks they are refused without it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from assistant.citations import cite
from assistant.core import Assistant
from assistant.errors import BadSetting, FetchError
from assistant.fetch.download import FetchPolicy, blocked_reason, check_url
from assistant.fetch.fetcher import document_format, fetch
from assistant.fetch.reading_list import fetch_reading_list, reading_list
from assistant.fetch.references import hudoc_candidates, parse_reference
from assistant.fetch.sources import Sites, hudoc_metadata, plan_fetch
from assistant.settings import load_settings, shipped_casebook

# The same folder as conftest's `corpus_dir`; the server's handler needs it outside any fixture.
SHARED = Path(os.environ.get("ASYLUM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED.resolve() / "corpus"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# HUDOC item ids of the test server. Uysal and Osal's is its real one (MANIFEST.tsv); Khan's is not recorded
# there, so the test server uses a made-up one.
KHAN, UYSAL = "001-900001", "001-83979"
HUDOC_FILES = {KHAN: "docx/khan-v-germany-gc-2016.docx", UYSAL: "docx/uysal-and-osal-v-turkey-2007.docx"}
# HUDOC's query API answer for Khan, from the facts MANIFEST.tsv records; Uysal's description is missing.
HUDOC_ROWS = {
    KHAN: {
        "itemid": KHAN, "docname": "CASE OF KHAN v. GERMANY", "appno": "38030/12",
        "kpdate": "2016-09-21T00:00:00", "ecli": "ECLI:CE:ECHR:2016:0921JUD003803012",
        "languageisocode": "ENG", "doctype": "HEJUD",
        "documentcollectionid2": "CASELAW;JUDGMENTS;GRANDCHAMBER;ENG",
    },
}
# Without any of these HUDOC's query API answers 404 (as the real one does).
HUDOC_QUERY_PARAMETERS = {"query", "select", "sort", "start", "length", "rankingmodelid", "facetquery"}
EURLEX_FILES = {
    "CELEX:62016CJ0646": "html/eurlex-cjeu-c-646-16-jafari-2017-en.html",
    "CELEX:62016CJ0578": "html/eurlex-cjeu-c-578-16-ppu-ck-2017-en.html",
}
WEB_FILES = {"pdf/eu-charter-2000-oj-c364.pdf": "application/pdf"}
FAILS_WITHIN = 2.0  # seconds: every failure is reported sooner (a timeout does not wait for the server)


def small_page(version: int) -> bytes:
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Border crossing notes</title></head><body>"
        "<h1>Border crossing notes</h1>"
        f"<p>Version {version}. The crossing point at Vaalimaa stayed closed for the whole winter.</p>"
        "<p>Applications for international protection were received only at the airports.</p>"
        "</body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    """Routes by path; the server object carries the state some routes change (versions, request counts)."""

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        self.server.requests.append(self.path)
        path = parts.path
        if path == "/app/conversion/docx/" and query.get("library") == "ECHR":
            if query.get("id") in HUDOC_FILES:
                return self.send(200, DOCX_TYPE, (CORPUS / HUDOC_FILES[query["id"]]).read_bytes())
        if path == "/app/query/results" and HUDOC_QUERY_PARAMETERS <= set(query):
            item = re.search(r'itemid:"([\d-]+)"', query["query"])
            number = re.search(r'appno:"([\d/]+)"', query["query"])
            rows = [
                row for row in HUDOC_ROWS.values()
                if (item and row["itemid"] == item[1]) or (number and number[1] in row["appno"].split(";"))
            ]
            answer = {"resultcount": len(rows), "results": [{"columns": row} for row in rows]}
            return self.send(200, "application/json", json.dumps(answer).encode())
        if path == "/legal-content/EN/TXT/HTML/" and query.get("uri") in EURLEX_FILES:
            page = (CORPUS / EURLEX_FILES[query["uri"]]).read_bytes()
            return self.send(200, "text/html; charset=UTF-8", page)
        if path.startswith("/files/") and path[len("/files/"):] in WEB_FILES:
            name = path[len("/files/"):]
            return self.send(200, WEB_FILES[name], (CORPUS / name).read_bytes())
        if path == "/page":
            return self.send(200, "text/html", small_page(self.server.page_version))
        if path == "/flaky":
            self.server.flaky_calls += 1
            if self.server.flaky_calls == 1:
                return self.send(503, "text/plain", b"try again", {"Retry-After": "0"})
            return self.send(200, "text/html", small_page(1))
        if path == "/slow":
            self.server.closing.wait()  # answers only when the tests are over: after any client's timeout
            return self.send(200, "text/html", small_page(1))
        if path == "/image.png":
            return self.send(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(100))
        if path == "/big-declared":
            return self.send(200, "application/pdf", b"%PDF-1.4\n" + bytes(300_000))
        if path == "/big-stream":  # no Content-Length: HTTP/1.0, the body ends when the connection closes
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"%PDF-1.4\n" + bytes(64 * 1024))
            except OSError:  # the client stopped reading past its limit, as it should
                pass
            return None
        if path in ("/loop/a", "/loop/b"):
            return self.redirect("/loop/b" if path == "/loop/a" else "/loop/a")
        if path.startswith("/chain/"):
            return self.redirect(f"/chain/{int(path.rsplit('/', 1)[1]) + 1}")
        if path == "/to-file":
            return self.redirect("file:///etc/passwd")
        if path == "/busy":
            return self.send(429, "text/plain", b"slow down", {"Retry-After": "3600"})
        if path == "/challenge":  # what a web firewall's JavaScript check looks like to a script
            script = b"<script>window.awsWafCookieDomainList = [];</script>"
            return self.send(202, "text/html", b"<html><head>" + script + b"</head><body></body></html>")
        if path == "/mislabelled":
            return self.send(200, "application/pdf", small_page(1))
        if path == "/truncated.pdf":
            cut = (CORPUS / "pdf/eu-charter-2000-oj-c364.pdf").read_bytes()[:5000]
            return self.send(200, "application/pdf", cut)
        return self.send(404, "text/html", b"<html><body>Not found</body></html>")

    def send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up (the timeout and size tests)
            pass

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[str] = []
        self.page_version = 1
        self.flaky_calls = 0
        self.closing = threading.Event()  # set when the tests are over: /slow stops holding its answer

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address) -> None:  # a client hanging up is part of the tests
        pass


@pytest.fixture(scope="module")
def servers():
    """Three servers on free ports: HUDOC, EUR-Lex and an ordinary web site, as three hosts are in life."""
    started = {name: Server() for name in ("hudoc", "eurlex", "web")}
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        for server in started.values()
    ]
    for thread in threads:
        thread.start()
    yield started
    for server in started.values():
        server.closing.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def sites(servers) -> Sites:
    return Sites(hudoc=servers["hudoc"].base, eurlex=servers["eurlex"].base, eli=servers["eurlex"].base)


@pytest.fixture
def web(servers) -> Server:
    server = servers["web"]
    server.page_version, server.flaky_calls = 1, 0
    return server


@pytest.fixture
def assistant(tmp_path, embedder) -> Assistant:
    settings = load_settings(index=tmp_path / "index", home=tmp_path / "home")
    return Assistant(settings, create=True, embedder=embedder)


# Loopback allowed (the servers are local), no pause between retries, and a test-sized timeout.
LOCAL = FetchPolicy(timeout=5.0, max_bytes=20 * 1024 * 1024, allow_private=True, backoff=0.0)


def snapshot(assistant: Assistant) -> tuple:
    """Everything a failed fetch must leave as it was: documents, the index generation, the saved copies."""
    downloads = assistant.settings.downloads
    return (
        [(document.doc_id, document.content_hash) for document, _ in assistant.index.documents()],
        assistant.index.generation(),
        sorted(path.name for path in downloads.iterdir()) if downloads.is_dir() else [],
    )


def saved(outcome) -> Path:
    """The copy of the downloaded document that the index reads it from."""
    return Path(outcome.document.source)


def chunks_of(assistant: Assistant, doc_id: str):
    return [stored.chunk for stored in assistant.index.around([(doc_id, 0)], 10**6)[(doc_id, 0)]]


# --- documents from each kind of address -------------------------------------------------------------------


def test_hudoc_judgment_comes_as_word_with_the_services_metadata(assistant, sites, servers):
    url = f'{sites.hudoc}/eng#{{"itemid":["{KHAN}"]}}'
    fetched = fetch(assistant, url, LOCAL, sites)
    assert fetched.status == "added" and not fetched.notes, fetched.notes
    assert re.fullmatch(rf"hudoc-{KHAN}-[0-9a-f]{{16}}\.docx", saved(fetched).name), "named by id and content"
    assert saved(fetched).parent == assistant.settings.downloads.resolve()
    meta = assistant.index.document(fetched.doc_id).metadata
    assert meta.title == "CASE OF KHAN v. GERMANY", "the title is HUDOC's docname (the text would give 'V.')"
    assert (meta.kind, meta.application_numbers, meta.date) == ("case-law", ("38030/12",), "2016-09-21")
    assert meta.court == "European Court of Human Rights (Grand Chamber)"
    assert meta.ecli == "ECLI:CE:ECHR:2016:0921JUD003803012"
    assert meta.url == url, "the document remembers the address the user gave"
    numbers = {chunk.paragraph for chunk in chunks_of(assistant, fetched.doc_id)}
    assert {"1", "2", "10"} <= numbers, "HUDOC's SEQ-field paragraph numbers become the chunks' § numbers"
    numbered = next(chunk for chunk in chunks_of(assistant, fetched.doc_id) if chunk.paragraph == "10")
    citation = cite(assistant.index.document(fetched.doc_id), numbered).text
    # Case-blind: the citation module title-cases a name only when it is all capitals, and HUDOC writes "v.".
    assert citation.lower() == "khan v. germany [gc], no. 38030/12, § 10, 21 september 2016", citation
    assert any("/app/query/results?" in request for request in servers["hudoc"].requests)


def test_hudoc_without_a_description_falls_back_on_the_text(assistant, sites):
    fetched = fetch(assistant, f"{sites.hudoc}/eng?i={UYSAL}", LOCAL, sites)
    assert fetched.status == "added"
    assert any("HUDOC did not describe" in note for note in fetched.notes), "the user learns why"
    meta = assistant.index.document(fetched.doc_id).metadata
    assert (meta.kind, meta.application_numbers, meta.date) == ("case-law", ("1206/03",), "2007-12-13")


def test_eurlex_judgment_comes_as_html_with_its_celex(assistant, sites):
    url = f"{sites.eurlex}/legal-content/EN/TXT/?uri=CELEX:62016CJ0646"
    fetched = fetch(assistant, url, LOCAL, sites)
    assert re.fullmatch(r"celex-62016cj0646-[0-9a-f]{16}\.html", saved(fetched).name)
    meta = assistant.index.document(fetched.doc_id).metadata
    assert (meta.kind, meta.celex, meta.language) == ("case-law", "62016CJ0646", "en"), "sector 6: case-law"
    assert "C-646/16" in meta.case_numbers and meta.date == "2017-07-26"
    assert meta.court == "Court of Justice of the European Union"
    numbers = {chunk.paragraph for chunk in chunks_of(assistant, fetched.doc_id)}
    assert {"1", "2", "20"} <= numbers, "EUR-Lex's numbered rows become paragraph numbers"


def test_a_case_number_is_found_through_hudocs_search(assistant, sites, servers):
    fetched = fetch(assistant, "no. 38030/12", LOCAL, sites)
    assert (fetched.status, fetched.name) == ("added", "no. 38030/12"), "named as the user wrote it"
    meta = assistant.index.document(fetched.doc_id).metadata
    assert meta.url == f"https://hudoc.echr.coe.int/eng?i={KHAN}", "the document keeps HUDOC's public address"
    assert (meta.title, meta.application_numbers) == ("CASE OF KHAN v. GERMANY", ("38030/12",))
    assert any('appno:"38030/12"' in unquote(request) for request in servers["hudoc"].requests), (
        "found through HUDOC's query API"
    )
    with pytest.raises(FetchError, match="HUDOC's search finds no judgment or decision with this number"):
        fetch(assistant, "99999/99", LOCAL, sites)


def test_a_cjeu_case_number_leads_to_its_eurlex_judgment(assistant, sites):
    fetched = fetch(assistant, "C-578/16 PPU", LOCAL, sites)
    meta = assistant.index.document(fetched.doc_id).metadata
    assert meta.url == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62016CJ0578"
    assert (meta.kind, meta.celex) == ("case-law", "62016CJ0578")


def test_the_casebook_reading_list_is_fetched_in_one_step(assistant, sites, servers, tmp_path):
    casebook = tmp_path / "casebook"
    for note in ("case-notes/cjeu-c-646-16-jafari-2017.md", "case-notes/cjeu-c-578-16-ppu-ck-2017.md",
                 "case-notes/hirsi-jamaa-v-italy-gc-2012.md"):  # HUDOC's test server has no Hirsi Jamaa
        (casebook / note).parent.mkdir(parents=True, exist_ok=True)
        (casebook / note).write_bytes((shipped_casebook() / note).read_bytes())
    (casebook / "khan.md").write_text('---\ntitle: "A note on Khan"\nfull_text: "38030/12"\n---\nKhan.\n')
    readings = reading_list(casebook)
    assert [reading.address for reading in readings] == [
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62016CJ0578",
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62016CJ0646",
        "https://hudoc.echr.coe.int/eng?i=001-109231",
        "38030/12",
    ]
    steps = []
    outcomes = fetch_reading_list(assistant, readings, LOCAL, sites, lambda *step: steps.append(step[:2]))
    assert [step for step in steps] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)], "progress before each text"
    assert [outcome.status for outcome in outcomes] == ["added", "added", "not fetched", "added"]
    assert "there is no document" in outcomes[2].reason, "the failure says why"
    assert len(assistant.documents()) == 3, "the failed text added nothing"

    requests = len(servers["eurlex"].requests)
    again = fetch_reading_list(assistant, readings, LOCAL, sites)
    assert [outcome.status for outcome in again] == ["unchanged", "unchanged", "not fetched", "unchanged"]
    assert len(servers["eurlex"].requests) == requests, "a text already in the corpus is not downloaded again"


def test_the_shipped_reading_list_names_the_terespol_judgment():
    readings = reading_list(shipped_casebook())
    assert readings[0].address == "40503/17", "the background note points to M.K. and Others v. Poland"
    assert len(readings) >= 35, "a text for every case and statute note"
    assert all("unhcr.org" not in reading.address or reading.address.endswith(".pdf") for reading in readings), (
        "a site's home page is not a text"
    )
    background = (shipped_casebook() / "background" / "eastern-borders.md").read_text()
    assert "M.K. and Others v. Poland, nos. 40503/17, 42902/17 and 43643/17, 23 July 2020" in background


@pytest.mark.parametrize("text, service, query", [
    ("40503/17", "HUDOC", 'appno:"40503/17"'),
    ("no. 40503/17", "HUDOC", 'appno:"40503/17"'),
    ("Application no. 27765/09", "HUDOC", 'appno:"27765/09"'),
    ("ECLI:CE:ECHR:2020:0723JUD004050317", "HUDOC", 'ecli:"ECLI:CE:ECHR:2020:0723JUD004050317"'),
    ("C-646/16", "EUR-Lex", "CELEX:62016CJ0646"),
    ("C-578/16 PPU", "EUR-Lex", "CELEX:62016CJ0578"),
    ("T-192/98", "EUR-Lex", "CELEX:61998TJ0192"),
    ("ecli:EU:C:2017:586", "EUR-Lex", "ecli:ECLI:EU:C:2017:586"),
    ("62016CJ0201", "EUR-Lex", "CELEX:62016CJ0201"),
    ("CELEX:32000X1218(01)", "EUR-Lex", "CELEX:32000X1218(01)"),
])
def test_case_numbers_name_their_service(text, service, query):
    reference = parse_reference(text)
    assert (reference.service, reference.query) == (service, query)


@pytest.mark.parametrize("text", ["Hirsi Jamaa", "12/2020", "C-646", "ECLI:NL:HR:2017:1", "article 3", ""])
def test_other_text_is_no_case_number(text):
    assert parse_reference(text) is None


def test_hudoc_search_prefers_the_judgment_in_english_of_the_grand_chamber():
    rows = [
        {"itemid": "001-1", "doctype": "HEDEC", "kpdate": "2019-01-01", "documentcollectionid2": "DECISIONS"},
        {"itemid": "001-2", "doctype": "HEJUD", "kpdate": "2017-10-03", "documentcollectionid2": "CHAMBER"},
        {"itemid": "001-3", "doctype": "HEJUD", "kpdate": "2020-02-13", "documentcollectionid2": "GRANDCHAMBER"},
        {"itemid": "001-4", "doctype": "HFJUD", "kpdate": "2020-02-13", "documentcollectionid2": "GRANDCHAMBER"},
        {"itemid": "001-5", "doctype": "PR", "kpdate": "2020-02-13"},
    ]
    payload = json.dumps({"results": [{"columns": row} for row in rows]}).encode()
    assert [row["itemid"] for row in hudoc_candidates(payload)] == ["001-3", "001-2", "001-1", "001-4"]
    assert hudoc_candidates(b"not json") == []


def test_any_pdf_address(assistant, web):
    fetched = fetch(assistant, f"{web.base}/files/pdf/eu-charter-2000-oj-c364.pdf", LOCAL)
    document = assistant.index.document(fetched.doc_id)
    assert (document.format, document.metadata.kind) == ("pdf", "statute")
    assert saved(fetched).name.startswith("web-") and saved(fetched).suffix == ".pdf"
    assert all(chunk.page for chunk in chunks_of(assistant, fetched.doc_id)), "PDF passages keep their pages"


def test_fetching_again_keeps_or_replaces_the_copy(assistant, web):
    url = f"{web.base}/page"
    first = fetch(assistant, url, LOCAL)
    generation = assistant.index.generation()
    again = fetch(assistant, url, LOCAL)
    assert (again.status, again.doc_id) == ("unchanged", first.doc_id)
    assert assistant.index.generation() == generation, "the same content is not embedded again"

    web.page_version = 2
    changed = fetch(assistant, url, LOCAL)
    assert changed.status == "replaced" and changed.doc_id != first.doc_id
    assert [document.doc_id for document, _ in assistant.index.documents()] == [changed.doc_id]
    assert not saved(first).exists(), "the older copy is deleted with its document"


def test_a_server_error_is_retried(assistant, web):
    fetched = fetch(assistant, f"{web.base}/flaky", LOCAL)
    assert fetched.status == "added" and web.flaky_calls == 2, "503 with Retry-After: 0, then the document"


# --- failures: a clear message, and nothing changed ---------------------------------------------------------

FAILURES = [
    ("/status/404", {}, r"no document at this address \(HTTP 404"),
    ("/slow", {"timeout": 0.3}, r"sent nothing for 0\.3 s"),
    ("/image.png", {}, r"sent image/png, not a PDF, Word"),
    ("/big-declared", {"max_bytes": 100_000}, r"larger than the .* MB limit"),
    ("/big-stream", {"max_bytes": 100_000}, r"larger than the .* MB limit"),
    ("/loop/a", {}, r"redirects in a loop \(.*/loop/a → .*/loop/b → .*/loop/a\)"),
    ("/chain/0", {}, r"redirected more than 5 times"),
    ("/to-file", {}, r"redirected to file:///etc/passwd, but only http:// and https://"),
    ("/busy", {}, r"asks to wait 3600 s"),
    ("/challenge", {}, r"browser \(a JavaScript challenge\)"),
    ("/mislabelled", {}, r"said this is a PDF but sent something else"),
    ("/truncated.pdf", {}, r"the downloaded PDF could not be read"),
    ("/files/pdf/eu-charter-2000-oj-c364.pdf", {"allow_private": False}, r"127\.0\.0\.1 is a loopback"),
]


@pytest.mark.parametrize("path, policy, message", FAILURES, ids=[case[0] for case in FAILURES])
def test_failures_are_explained_and_change_nothing(assistant, web, path, policy, message):
    fetch(assistant, f"{web.base}/page", LOCAL)  # an index with something in it
    before = snapshot(assistant)
    url = f"{web.base}{path}"
    started = time.monotonic()
    with pytest.raises(FetchError, match=message) as caught:
        fetch(assistant, url, replace(LOCAL, **policy))
    assert str(caught.value).startswith(f"{url}: "), "the message names the address the user gave"
    assert snapshot(assistant) == before, "a failed fetch leaves the index and the downloads as they were"
    assert time.monotonic() - started < FAILS_WITHIN, "a timeout does not wait for the server"


@pytest.mark.parametrize("url, message", [
    ("file:///etc/passwd", "only http:// and https:// addresses can be fetched, not file:"),
    ("ftp://ftp.example.org/judgment.pdf", "not ftp:"),
    ("hudoc.echr.coe.int/eng?i=001-109231", "needs to start with https://"),
    ("http://localhost:9/x", "is a loopback address"),
])
def test_addresses_that_are_never_fetched(assistant, url, message):
    before = snapshot(assistant)
    with pytest.raises(FetchError, match=re.escape(message)):
        fetch(assistant, url, FetchPolicy(timeout=1.0, max_bytes=1024, allow_private=False))
    assert snapshot(assistant) == before


def test_a_closed_port_is_tried_again_then_explained(assistant):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match=r"could not connect to 127\.0\.0\.1 .* \(3 attempts\)"):
        fetch(assistant, f"http://127.0.0.1:{port}/judgment.pdf", LOCAL)


@pytest.mark.model  # its command loads the model
def test_cli_fetch(tmp_path, web):
    env = {**os.environ, "ASYLUM_ASSISTANT_HOME": str(tmp_path / "home")}
    index = str(tmp_path / "index")

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "assistant.cli", "fetch", *args, "--index", index]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    refused = cli("file:///etc/passwd", "ftp://example.org/x")
    assert refused.returncode == 1 and "2 failed" in refused.stdout, refused.stdout + refused.stderr
    assert "file:///etc/passwd: only http://" in refused.stderr and "Traceback" not in refused.stderr
    assert not Path(index).exists(), "addresses refused outright do not even create the index"

    fetched = cli(f"{web.base}/page", f"{web.base}/status/404", "--allow-private")
    assert fetched.returncode == 1, "one failed address makes the command exit non-zero"
    assert "1 added" in fetched.stdout and "1 failed" in fetched.stdout, fetched.stdout
    assert "/status/404: there is no document" in fetched.stderr

    casebook = tmp_path / "casebook"
    casebook.mkdir()
    for name, address in (("found", f"{web.base}/page"), ("lost", f"{web.base}/status/410")):
        (casebook / f"{name}.md").write_text(f'---\ntitle: "{name}"\nurl: "{address}"\n---\nA note.\n')
    env["ASYLUM_ASSISTANT_CASEBOOK"] = str(casebook)
    texts = cli("--casebook", "--allow-private")
    assert texts.returncode == 1 and "1 unchanged" in texts.stdout and "1 failed" in texts.stdout, texts.stdout
    assert "casebook's texts: 100%" in texts.stderr and "/status/410: " in texts.stderr, texts.stderr


# --- addresses, formats and checks, without a network ------------------------------------------------------


@pytest.mark.parametrize("url, document", [
    ("https://hudoc.echr.coe.int/eng?i=001-109231", "/app/conversion/docx/?library=ECHR&id=001-109231"),
    ("https://hudoc.echr.coe.int/fre?i=001-109231", "/app/conversion/docx/?library=ECHR&id=001-109231"),
    ('https://hudoc.echr.coe.int/eng#{"itemid":["001-109231"]}', "id=001-109231&filename=001-109231.docx"),
    ("https://hudoc.echr.coe.int/eng#{%22itemid%22:[%22001-109231%22]}", "id=001-109231&"),
    ("http://hudoc.echr.coe.int/sites/eng/pages/search.aspx?i=001-61854", "https://hudoc.echr.coe.int/app/"),
    ("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62016CJ0201",
     "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:62016CJ0201"),
    ("https://eur-lex.europa.eu/legal-content/SV/TXT/PDF/?uri=CELEX%3A32024R1348&from=EN",
     "/legal-content/SV/TXT/HTML/?uri=CELEX:32024R1348"),
    ("https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=ecli:ECLI:EU:C:2017:586",
     "/legal-content/EN/TXT/HTML/?uri=ecli:ECLI:EU:C:2017:586"),
    ("http://data.europa.eu/eli/reg/2013/604/oj", "/legal-content/EN/TXT/HTML/?uri=CELEX:32013R0604"),
    ("https://eur-lex.europa.eu/eli/dir/2013/32/oj/swe", "/legal-content/SV/TXT/HTML/?uri=CELEX:32013L0032"),
    ("https://eur-lex.europa.eu/LexUriServ/LexUriServ.do?uri=CELEX:32013R0604:FR:HTML",
     "/legal-content/FR/TXT/HTML/?uri=CELEX:32013R0604"),
    ("http://data.europa.eu/eli/treaty/teu_2012/oj", "http://data.europa.eu/eli/treaty/teu_2012/oj"),
    ("https://www.refworld.org/docid/3ae6b3ae4.pdf", "https://www.refworld.org/docid/3ae6b3ae4.pdf"),
])
def test_addresses_lead_to_the_document_itself(url, document):
    plan = plan_fetch(url)
    assert document in plan.documents[0], plan
    assert re.fullmatch(r"[a-z0-9-]+", plan.label), "the file-name label holds no character from a path"


def test_what_an_address_says_before_downloading():
    assert plan_fetch("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62016CJ0646").metadata == {
        "celex": "62016CJ0646", "kind": "case-law", "language": "en"}
    assert plan_fetch("http://data.europa.eu/eli/reg/2013/604/oj").metadata["kind"] == "statute", "sector 3"
    assert plan_fetch("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli:ECLI:EU:C:2017:586").metadata[
        "ecli"] == "ECLI:EU:C:2017:586"
    hudoc = plan_fetch("https://hudoc.echr.coe.int/eng?i=001-109231")
    pdf = "https://hudoc.echr.coe.int/app/conversion/pdf/?library=ECHR&id=001-109231&"
    assert hudoc.documents[1].startswith(pdf), "the PDF, should HUDOC fail to convert the judgment to Word"
    assert "itemid%3A%22001-109231%22" in hudoc.metadata_url and "rankingmodelid=" in hudoc.metadata_url


@pytest.mark.parametrize("url, message", [
    ("https://hudoc.echr.coe.int/eng#{%22respondent%22:[%22ITA%22]}", "names no single judgment"),
    ("https://eur-lex.europa.eu/homepage.html", "names no document"),
])
def test_service_addresses_that_name_no_document(url, message):
    with pytest.raises(FetchError, match=message):
        plan_fetch(url)


def test_hudoc_descriptions():
    payload = json.dumps({"resultcount": 1, "results": [{"columns": {
        "itemid": "001-1", "docname": "CASE OF D.L. v. BULGARIA [Extracts]", "appno": "7472/14;1/15",
        "kpdate": "2016-05-19T00:00:00", "languageisocode": "FRE",
        "documentcollectionid2": "JUDGMENTS;CHAMBER",
    }}]})
    fields = hudoc_metadata(payload.encode(), "001-1")
    assert fields["title"] == "CASE OF D.L. v. BULGARIA", "HUDOC's own note after the name is dropped"
    assert fields["application_numbers"] == ("7472/14", "1/15"), "appno lists the numbers separated by ';'"
    assert (fields["date"], fields["language"]) == ("2016-05-19", "fr")
    assert fields["court"] == "European Court of Human Rights"
    assert hudoc_metadata(payload.encode(), "001-2") == {} and hudoc_metadata(b"<html>", "001-1") == {}


def test_formats_by_bytes_then_by_label():
    docx = (CORPUS / "docx/uysal-and-osal-v-turkey-2007.docx").read_bytes()
    assert document_format("application/octet-stream", docx, "https://x/download", "u") == "docx"
    assert document_format("text/html", b"%PDF-1.7\n...", "https://x/a", "u") == "pdf", "the bytes win"
    assert document_format("", b"\n<!DOCTYPE html><html>", "https://x/a", "u") == "html"
    assert document_format("text/plain", b"# Notes", "https://x/notes.md", "u") == "md"
    with pytest.raises(FetchError, match="did not say what this file is"):
        document_format("application/octet-stream", b"\x00\x01random", "https://x/a", "u")


@pytest.mark.parametrize("address, reason", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("2002:7f00:1::", "loopback"),
    ("10.0.0.8", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1%eth0", "link-local"),
    ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "not a public"),
    ("8.8.8.8", None), ("2001:4860:4860::8888", None),
])
def test_address_checks(address, reason):
    found = blocked_reason(address)
    assert (found is None) if reason is None else (reason in found), (address, found)


def test_address_syntax():
    assert check_url("https://hudoc.echr.coe.int/eng?i=001-1").hostname == "hudoc.echr.coe.int"
    with pytest.raises(FetchError, match="user name or password"):
        check_url("http://hudoc.echr.coe.int@10.0.0.1/")


def test_the_settings(monkeypatch):
    monkeypatch.setenv("ASYLUM_ASSISTANT_ALLOW_PRIVATE", "yes")
    monkeypatch.setenv("ASYLUM_ASSISTANT_FETCH_MAX_MB", "2.5")
    settings = load_settings()
    policy = FetchPolicy.from_settings(settings)
    assert (policy.allow_private, policy.max_bytes, policy.timeout) == (True, 2.5 * 1024 * 1024, 30.0)
    monkeypatch.setenv("ASYLUM_ASSISTANT_ALLOW_PRIVATE", "perhaps")
    with pytest.raises(BadSetting, match="yes/no"):
        load_settings()


# --- the casebook's texts from the web page -----------------------------------------------------------------


def test_the_page_fetches_the_casebooks_texts_in_one_click(servers, browser, embedder, tmp_path, screenshots):
    pytest.importorskip("playwright.sync_api")
    from browser import SLOW, app_page, free_port
    from playwright.sync_api import expect

    from assistant.web.app import start

    casebook = tmp_path / "casebook"
    for note in ("case-notes/cjeu-c-646-16-jafari-2017.md", "case-notes/hirsi-jamaa-v-italy-gc-2012.md"):
        (casebook / note).parent.mkdir(parents=True, exist_ok=True)
        (casebook / note).write_bytes((shipped_casebook() / note).read_bytes())
    settings = load_settings(
        index=tmp_path / "index", home=tmp_path / "home", casebook=casebook, port=free_port(), allow_private=True,
        hudoc=servers["hudoc"].base, eurlex=servers["eurlex"].base,
    )
    assistant = Assistant(settings, create=True, embedder=embedder)
    assistant.ingest([casebook / "case-notes" / "cjeu-c-646-16-jafari-2017.md"])  # a first start's casebook, in short
    running = start(settings, assistant)
    try:
        with app_page(browser, running.url) as page:
            offer = page.locator("#aa-texts-offer")
            expect(offer).to_have_text("Fetch the full texts of the 2 judgments and statutes the casebook summarises")
            page.screenshot(path=screenshots / "texts-offer.png")
            offer.click()
            results = page.locator("#aa-texts-results li")
            expect(results).to_have_count(2, timeout=SLOW)
            expect(results.nth(0)).to_contain_text("added as")
            expect(results.nth(1)).to_contain_text("could not be added: there is no document at this address")
            expect(offer).to_have_text("Fetch the full texts of the one text the casebook summarises")
            expect(page.locator("#aa-corpus-summary")).to_contain_text("2 documents")
    finally:
        running.app.close()
        assistant.close()
