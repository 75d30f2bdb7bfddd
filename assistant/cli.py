"""The `asylum-assistant` command: a thin layer over assistant.core. Expected failures print one line, no traceback."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from assistant.settings import Settings, describe, load_settings
from index.store import Filters
from ingest.errors import AssistantError
from ingest.records import KINDS

EXAMPLES = """\
examples:
  asylum-assistant ingest ../shared/corpus --index /tmp/idx
  asylum-assistant ask "Can a state push migrants back at sea without examining their asylum claims?" --index /tmp/idx
  echo "collective expulsion test" | asylum-assistant search --jsonl --index /tmp/idx
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

    ask = command("ask", run_ask, "answer a question with cited passages")
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    _add_search_options(ask)

    search = command("search", run_search, "search for each query read from stdin, one per line")
    search.add_argument("--jsonl", action="store_true", required=True, help="print one JSON object per query line")
    _add_search_options(search)

    command("docs", run_docs, "list the documents of the index: id, kind, title, chunk count")

    remove = command("remove", run_remove, "remove a document (by the id `docs` shows) from the index")
    remove.add_argument("doc_id", metavar="DOC_ID")
    return parser


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=None, help="passages to return (default: 10)")
    parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind of document (repeatable)")
    parser.add_argument("--court", help="only documents whose court or issuer contains this text")
    parser.add_argument("--language", help="only documents in this language (ISO code: en, fr, sv…)")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="only documents dated on or after")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="only documents dated on or before")
    parser.add_argument("--doc", action="append", metavar="DOC_ID", help="only this document (repeatable)")
    parser.add_argument("--model", help="embedding model (must be the one the index was built with)")


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(
        kinds=tuple(args.kind or ()), court=args.court or "", language=args.language or "",
        date_from=args.date_from or "", date_to=args.date_to or "", doc_ids=tuple(args.doc or ()),
    )


def _assistant(settings: Settings, create: bool = False):
    from assistant.core import Assistant  # imports torch: only for the commands that need the model

    return Assistant(settings, create=create)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    assistant = _assistant(settings, create=True)
    bars: dict[str, tqdm] = {}

    def on_progress(progress) -> None:
        bar = bars.get(progress.stage)
        if bar is None:
            for finished in bars.values():
                finished.close()
            unit = "file" if progress.stage == "reading" else "chunk"
            bar = bars[progress.stage] = tqdm(total=progress.total, desc=progress.stage, unit=unit, dynamic_ncols=True)
        bar.update(progress.done - bar.n)
        if progress.stage == "embedding":
            elapsed = bar.format_dict["elapsed"] or 1e-9
            bar.set_postfix_str(
                f"docs {progress.documents_done}/{progress.documents_total}, {progress.documents_done / elapsed:.2f} docs/s",
                refresh=False,
            )

    try:
        report = assistant.ingest(args.paths, on_progress)
    finally:
        for bar in bars.values():
            bar.close()
        assistant.close()
    rate = report.chunks / report.seconds if report.seconds else 0.0
    print(
        f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged, "
        f"{len(report.duplicates)} duplicate, {len(report.failed)} failed; "
        f"{report.chunks} chunks in {report.seconds:.1f} s ({rate:.1f} chunks/s) → {settings.index}"
    )
    for path, doc_id in report.duplicates:
        print(f"  skipped {path}: same content as document {doc_id}")
    for path, reason in report.failed:
        print(f"  failed  {path}: {reason}", file=sys.stderr)
    if report.failed:
        print(f"asylum-assistant: {len(report.failed)} file(s) could not be ingested (see above)", file=sys.stderr)
        return 1
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings)
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
    assistant = _assistant(settings)
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


if __name__ == "__main__":
    sys.exit(main())
