"""A new user's first ten minutes, before and after fetching the casebook's texts, with screenshots.

    python bench/first_run.py [--out bench/out/first-run] [--screenshots docs]

1. A new data folder: the shipped casebook is indexed (timed) and the app served; the Ask, Precedents and Corpus
   tabs are photographed, and the questions below answered ("before").
2. The casebook's reading list is fetched (`fetch_reading_list`, what `fetch --casebook` and the page's button run)
   from a local server shaped like HUDOC and EUR-Lex that serves the texts of ../shared/corpus, as those services
   do: HUDOC converts a judgment to Word on request, EUR-Lex serves HTML. Texts the shared corpus does not hold
   (M.K. and Others v. Poland, the Swedish-only regulations in English) and the Council of Europe's and UNHCR's
   own sites (not reachable from here) fail, and are reported as such.
3. The same tabs and questions again ("after"). Prints each answer's first sentence and first citation, before
   and after, and the timings.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import re
import shutil
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from assistant.core import Assistant  # noqa: E402
from assistant.fetch.download import FetchPolicy  # noqa: E402
from assistant.fetch.reading_list import fetch_reading_list, reading_list  # noqa: E402
from assistant.fetch.references import parse_reference  # noqa: E402
from assistant.fetch.sources import Sites  # noqa: E402
from assistant.settings import load_settings, shipped_casebook  # noqa: E402
from index.records import Filters  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
QUESTIONS = [
    ("Can a state push migrants back at sea without examining their asylum claims?", Filters()),
    ("Can a state push migrants back at sea without examining their asylum claims? [case law, from 2010]",
     Filters(kinds=("case-law",), date_from="2010")),
    ("Какие права имеет беженец, которого не пускают на границе?", Filters()),
    ("What does Article 33 of the Refugee Convention say?", Filters()),
    ("Is academic freedom protected by the EU Charter?", Filters()),
    ("Why do border guards try to get rid of people at the border?", Filters()),
    ("Is tolerating the entry of migrants in transit the same as issuing them a visa under Dublin III?", Filters()),
]
FACTS = ("My clients, a family, were intercepted at sea and returned to the country they had left without any "
         "examination of their situation.")


# -- a local HUDOC and EUR-Lex serving the shared corpus ------------------------------------------------------


def manifest() -> list[dict[str, str]]:
    with open(SHARED / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def word_file(text: str) -> bytes:
    """A minimal .docx with one paragraph per line of `text`: what HUDOC's conversion hands out."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{html.escape(line)}</w:t></w:r></w:p>'
                   for line in text.splitlines() if line.strip())
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
                f'openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
        'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
        '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
        'main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": document,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class Mirror(ThreadingHTTPServer):
    """HUDOC's conversion and query API and EUR-Lex's TXT/HTML, for the texts MANIFEST.tsv names."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _MirrorHandler)
        self.hudoc: dict[str, dict] = {}  # itemid -> MANIFEST row
        self.eurlex: dict[str, Path] = {}  # CELEX -> file
        for row in manifest():
            item = re.search(r"hudoc\.echr\.coe\.int/eng\?i=(\d{3}-\d+)", row["source"])
            if item and row["path"].startswith("case-law/") and row["language"] == "en":
                self.hudoc[item[1]] = row
            case = re.search(r"\bC-\d+/\d{2}", row["citation"])
            if case and row["path"].startswith("case-law/"):
                self.eurlex[_celex(case[0])] = SHARED / row["path"]
        for path in (SHARED / "html").glob("eurlex-cjeu-*-en.html"):  # EUR-Lex's own pages where the corpus has them
            case = re.search(r"cjeu-c-(\d+)-(\d{2})-", path.name)
            self.eurlex[_celex(f"C-{case[1]}/{case[2]}")] = path
        self.eurlex["32013R0604"] = SHARED / "statutes/reg-604-2013-dublin-iii.txt"
        self.eurlex["32024R1347"] = SHARED / "statutes/reg-2024-1347-qualification-regulation.txt"
        self.eurlex["32000X1218(01)"] = SHARED / "statutes/eu-charter-fundamental-rights-2000.txt"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _MirrorHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        mirror = self.server
        if parts.path == "/app/conversion/docx/" and query.get("id") in mirror.hudoc:
            text = (SHARED / mirror.hudoc[query["id"]]["path"]).read_text(encoding="utf-8")
            return self._send(DOCX_TYPE, word_file(text))
        if parts.path == "/app/query/results":
            item = re.search(r'itemid:"([\d-]+)"', query.get("query", ""))
            rows = [_hudoc_row(item[1], mirror.hudoc[item[1]])] if item and item[1] in mirror.hudoc else []
            return self._send("application/json", json.dumps({"results": [{"columns": r} for r in rows]}).encode())
        if parts.path == "/legal-content/EN/TXT/HTML/" and query.get("uri", "").removeprefix("CELEX:") in mirror.eurlex:
            path = mirror.eurlex[query["uri"].removeprefix("CELEX:")]
            if path.suffix == ".html":
                return self._send("text/html; charset=utf-8", path.read_bytes())
            lines = path.read_text(encoding="utf-8").splitlines()
            page = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line.strip())
            return self._send("text/html; charset=utf-8", f"<html><body>{page}</body></html>".encode())
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, content_type: str, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _celex(case_number: str) -> str:
    return parse_reference(case_number).query.removeprefix("CELEX:")


def _hudoc_row(item: str, row: dict[str, str]) -> dict[str, str]:
    numbers = re.findall(r"\d{1,6}/\d{2}", row["citation"])
    ecli = re.search(r"ECLI:CE:ECHR:\S+", row["source"])
    chamber = "GRANDCHAMBER" if "Grand Chamber" in row["court_or_issuer"] else "CHAMBER"
    return {"itemid": item, "docname": row["title"], "appno": ";".join(numbers), "kpdate": row["date"] + "T00:00:00",
            "ecli": ecli[0] if ecli else "", "languageisocode": "ENG", "doctype": "HEJUD",
            "documentcollectionid2": f"CASELAW;JUDGMENTS;{chamber};ENG"}


# -- the run ------------------------------------------------------------------------------------------------


def answers(assistant: Assistant) -> list[tuple[str, str, str]]:
    """(question, the summary's first sentence, the first passage's citation) for each question."""
    found = []
    for question, filters in QUESTIONS:
        result = assistant.answer(question.split(" [")[0], filters=filters)
        first = result.sentences[0].text if result.sentences else ("(abstains) " if result.abstained else "")
        found.append((question, first, result.passages[0].citation.text if result.passages else "(none)"))
    return found


def photograph(url: str, folder: Path, moment: str) -> None:
    from browser import app_page, ask, chromium
    from playwright.sync_api import expect

    folder.mkdir(parents=True, exist_ok=True)
    with chromium() as browser, app_page(browser, url) as page:
        answer = ask(page, QUESTIONS[0][0])
        answer.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(folder / f"screenshot-ask-{moment}.png"))
        page.get_by_role("tab", name="Precedents").click()
        page.get_by_label("Facts of your client's case").fill(FACTS)
        page.get_by_role("button", name="Find precedents").click()
        expect(page.locator(".aa-case").first).to_be_visible(timeout=120_000)
        page.screenshot(path=str(folder / f"screenshot-precedents-{moment}.png"))
        page.get_by_role("tab", name="Corpus").click()
        expect(page.locator("#aa-documents")).to_contain_text("Casebook note")
        page.screenshot(path=str(folder / f"screenshot-corpus-{moment}.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "first-run")
    parser.add_argument("--screenshots", type=Path, help="where the screenshots go (default: OUT)")
    args = parser.parse_args()
    from browser import free_port

    from assistant.web.app import start

    shutil.rmtree(args.out, ignore_errors=True)
    mirror = Mirror()
    threading.Thread(target=mirror.serve_forever, daemon=True).start()
    settings = load_settings(index=args.out / "index", home=args.out / "home", port=free_port(),
                             allow_private=True, hudoc=mirror.base, eurlex=mirror.base)
    started = time.perf_counter()
    assistant = Assistant(settings, create=True)
    report = assistant.ingest([shipped_casebook()])
    built = time.perf_counter() - started
    server = start(settings, assistant)
    shots = args.screenshots or args.out
    before = answers(assistant)
    photograph(server.url, shots, "before")

    readings = reading_list(shipped_casebook())
    started = time.perf_counter()
    policy = FetchPolicy(timeout=10.0, max_bytes=50 * 1024 * 1024, allow_private=True, attempts=1)
    outcomes = fetch_reading_list(assistant, readings, policy, Sites(hudoc=mirror.base, eurlex=mirror.base),
                                  lambda done, total, reading: print(f"  {done}/{total} {reading.address}",
                                                                     file=sys.stderr, flush=True))
    fetched = time.perf_counter() - started
    after = answers(assistant)
    photograph(server.url, shots, "after")
    server.app.close()

    print(f"casebook: {len(report.added)} notes, {report.chunks} passages indexed in {built:.1f} s")
    added = [o for o in outcomes if o.status.ok]
    print(f"fetch --casebook: {len(added)} of {len(readings)} texts added in {fetched:.0f} s "
          f"({sum(o.chunks for o in added)} passages); failed:")
    for outcome in outcomes:
        if not outcome.status.ok:
            kind = "case number" if parse_reference(outcome.name) else "address"
            print(f"  {outcome.name} ({kind}): {outcome.reason}")
    print("\n| question | before: first sentence / first citation | after |\n|---|---|---|")
    for (question, first, cited), (_, first_after, cited_after) in zip(before, after):
        print(f"| {question} | {first[:140]} / **{cited}** | {first_after[:140]} / **{cited_after}** |")


if __name__ == "__main__":
    main()
