"""How cost grows with the corpus: indexes of 10k, 100k and 1M passages, built and measured in one run.

    python bench/scale.py [--sizes 10000 100000 1000000] [--out bench/out/scale] [--reuse] [--baseline DIR]

The smallest index is real: judgments of ../shared/corpus-large (the clean ECtHR and CJEU files first, then the
lossy CJEU file), written as text files with a MANIFEST.tsv and ingested by `Assistant.ingest` (real chunking,
real embeddings): its rate is the ingest throughput on real text. Embedding a million passages is beyond this
machine's time, so the larger indexes repeat the smallest one's documents under new ids and sources, with their
vectors plus small noise (σ 0.002 per component, renormalised): those rows say "repeated". Each index is then
measured in a process of its own: start-up, peak RSS, search (without and with filters), precedents and ask
p50/p95 over the dev questions, removing a document (then putting it back), and the dense search's recall@10
against exact search. `--reuse` keeps the indexes an earlier run built (and the figures of their build);
`--baseline DIR` also measures each index with the code of another checkout (`git worktree add DIR COMMIT`),
one after the other in the same run.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("ASYLUM_BENCH_CODE", ROOT))  # whose code is measured: this checkout, or a baseline
sys.path.insert(0, str(CODE))

from assistant.core import Assistant  # noqa: E402
from assistant.evaluation import read_questions  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from index.corpus import CorpusIndex  # noqa: E402
from index.records import Filters  # noqa: E402
from ingest.records import Document  # noqa: E402

LARGE = ROOT.parent / "shared" / "corpus-large"
FILES = ("ecthr.jsonl.gz", "cjeu.jsonl.gz", "cjeu-bulk-numbers-stripped.jsonl.gz")
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
NOISE = 0.002
BATCH = 40  # judgments written and ingested per round, until the index holds enough passages


def judgments():
    """The records of corpus-large, clean files first."""
    for name in FILES:
        with gzip.open(LARGE / name, "rt", encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)


def build_real(folder: Path, size: int) -> dict:
    """Ingest judgments until the index holds `size` passages; the time and rate of ingest."""
    texts = folder.parent / "texts"
    shutil.rmtree(texts, ignore_errors=True)
    assistant = Assistant(load_settings(index=folder), create=True)
    records, seconds, files = judgments(), 0.0, 0
    while len(assistant.index) < size:
        batch = texts / f"round-{files // BATCH}"
        (batch / "case-law").mkdir(parents=True)
        with open(batch / "MANIFEST.tsv", "w", encoding="utf-8", newline="") as manifest:
            rows = csv.writer(manifest, delimiter="\t", lineterminator="\n")
            rows.writerow(["path", "kind", "title", "citation", "court_or_issuer", "date", "language", "source"])
            for record in (next(records) for _ in range(BATCH)):
                path = f"case-law/{record['id'].replace(':', '_')}.txt"
                (batch / path).write_text(record["text"], encoding="utf-8")
                rows.writerow([path, "case-law", record["title"], record["citation"], record["court"],
                               record["date"] or "", record["language"], record["source"]])
        files += BATCH
        report = assistant.ingest([batch])
        seconds += report.seconds
        print(f"  {files} judgments, {len(assistant.index):,} passages, {seconds:.0f} s", flush=True)
    passages = len(assistant.index)
    assistant.close()
    return {"passages": passages, "build_s": seconds, "rate": passages / seconds, "vectors": "embedded"}


def build_repeated(source: Path, folder: Path, size: int, seed: int = 0) -> dict:
    """Copy the real index and add its documents again under new ids, with noisy vectors, up to `size`."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    index = CorpusIndex.open(folder)
    originals = [listed.document for listed in index.documents()]
    copy = 0
    while len(index) < size:
        copy += 1
        for document in originals:
            stored = index.around([(document.doc_id, 0)], radius=10**9)[(document.doc_id, 0)]
            vectors = index.vectors([entry.id for entry in stored])
            vectors = vectors + NOISE * rng.standard_normal(vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            again = Document(f"{document.doc_id}-r{copy}", f"{document.source}#r{copy}",
                             f"{document.content_hash}-r{copy}", document.format, document.metadata)
            index.add(again, [entry.chunk for entry in stored], vectors)
            if len(index) >= size:
                break
        print(f"  {len(index):,} passages, {time.perf_counter() - started:.0f} s", flush=True)
    passages = len(index)
    index.close()
    CorpusIndex.open(folder).close()  # the first open makes (and saves) the index the size calls for
    seconds = time.perf_counter() - started
    return {"passages": passages, "build_s": seconds, "rate": None, "vectors": "repeated"}


def latencies(call, questions: list[str], rounds: int = 2) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            call(question)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def measure(folder: Path) -> dict:
    """The figures of one index, in this (fresh) process."""
    started = time.perf_counter()
    assistant = Assistant(load_settings(index=folder))
    startup = time.perf_counter() - started
    questions = [q.question for q in read_questions(QUESTIONS)]
    for question in questions[:3]:
        assistant.search(question)
    judgments_only = Filters(kinds=("case-law",), court="Human Rights")
    figures = {
        "startup_s": startup,
        "passages": len(assistant.index),
        "search": latencies(assistant.search, questions),
        "search_filtered": latencies(lambda q: assistant.search(q, filters=judgments_only), questions),
        "precedents": latencies(assistant.precedents, questions),
        "ask": latencies(assistant.answer, questions),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "approximate": assistant.index.approximate,
    }
    figures["recall@10"] = _recall(assistant, questions)
    last = max((listed.document for listed in assistant.documents()), key=lambda d: d.doc_id)
    stored = assistant.index.document_chunks(last.doc_id)
    vectors = assistant.index.vectors([entry.id for entry in stored])
    started = time.perf_counter()
    assistant.remove(last.doc_id)
    figures["remove_s"] = time.perf_counter() - started
    assistant.index.add(last, [entry.chunk for entry in stored], vectors)  # as it was, for the next measurement
    assistant.close()
    return figures


def _recall(assistant: Assistant, questions: list[str]) -> float:
    """Share of the exact top 10 (every vector scanned) that the dense search returns."""
    found = total = 0
    for question in questions:
        query = assistant.embedder.embed_query(question)
        exact = {i for i, _ in assistant.index.dense_search(query, 10, exact=True)}
        found += len(exact & {i for i, _ in assistant.index.dense_search(query, 10)})
        total += len(exact)
    return found / total


def disk_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale")
    parser.add_argument("--reuse", action="store_true", help="keep the indexes an earlier run built")
    parser.add_argument("--baseline", type=Path, help="a checkout of other code to measure beside this one")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one index, in a process of its own
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    sizes = sorted(args.sizes)
    rows = []
    real = args.out / f"index-{sizes[0]}"
    codes = [("this", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    for size in sizes:
        folder = args.out / f"index-{size}"
        figures = folder / "built.json"
        if not (args.reuse and figures.exists()):
            print(f"building {folder}", flush=True)
            built = build_real(folder, size) if size == sizes[0] else build_repeated(real, folder, size)
            figures.write_text(json.dumps(built))
        built = json.loads(figures.read_text())
        for name, code in codes:
            print(f"measuring {folder} with {name} code", flush=True)
            measured = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder)], capture_output=True, text=True, check=True,
                env={**os.environ, "ASYLUM_BENCH_CODE": str(code)},
            )
            rows.append({**built, **json.loads(measured.stdout.strip().splitlines()[-1]), "disk_mb": disk_mb(folder),
                         "code": name})
    print()
    print(f"{'passages':>10} {'vectors':9} {'code':9} {'build s':>8} {'ingest/s':>8} {'disk MB':>8} {'RSS MB':>7} "
          f"{'start s':>7} {'search':>9} {'filtered':>9} {'preced.':>9} {'ask':>9} {'remove s':>8} {'index':>6} "
          f"{'r@10':>5}")
    for row in rows:
        def pair(key: str, row: dict = row) -> str:
            return f"{row[key][0]:.0f}/{row[key][1]:.0f}"

        print(f"{row['passages']:>10,} {row['vectors']:9} {row['code']:9} {row['build_s']:8.0f} "
              f"{row['rate'] or 0:8.1f} {row['disk_mb']:8.0f} {row['rss_mb']:7.0f} {row['startup_s']:7.1f} "
              f"{pair('search'):>9} {pair('search_filtered'):>9} {pair('precedents'):>9} {pair('ask'):>9} "
              f"{row['remove_s']:8.2f} {'IVF' if row['approximate'] else 'exact':>6} {row['recall@10']:5.3f}")
    print("latencies in ms, p50/p95 over the dev questions x 2; ingest/s on real text (smallest index only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
