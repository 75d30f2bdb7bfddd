"""Ingest throughput and warm query latency on the whole shared corpus, each beside its baseline.

    python bench/ingest.py [--corpus ../shared/corpus] [--index bench/out/index] [--reuse]

Prints: documents, chunks, seconds and chunks/s of `ingest`, next to the raw `model.encode` rate of a
sample of the same chunks in the same run (the ceiling: what ingest costs beyond the model); then query
latency p50/p95 of the bare query embedding (baseline), `search` and `answer`, warm, over the dev questions.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from assistant.evaluation import read_questions  # noqa: E402
from assistant.ingestion import embedding_text  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--index", type=Path, default=ROOT / "bench" / "out" / "index")
    parser.add_argument("--reuse", action="store_true", help="keep an existing index instead of rebuilding it")
    parser.add_argument("--model", help="embedding model (default: the product's)")
    parser.add_argument("--embed-context", help="what is embedded before each chunk (default: the product's)")
    parser.add_argument("--sample", type=int, default=1000, help="chunks for the raw encode baseline")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions for latency")
    args = parser.parse_args()

    if args.index.exists() and not args.reuse:
        shutil.rmtree(args.index)
    settings = load_settings(index=args.index, model=args.model, embed_context=args.embed_context)
    assistant = Assistant(settings, create=True)
    print(f"model {settings.model}, embed_context {settings.embed_context}, index {args.index}")
    report = assistant.ingest([args.corpus])
    documents = assistant.index.documents()
    chunks = sum(n for _, n in documents)

    # The same chunks, embedded the same way, straight through the model: the baseline for ingest speed.
    # Chunk ids count from 1 in a new index (a reused one may have gaps: chunks() returns those that exist).
    all_ids = range(1, assistant.index.chunk_count() + 1)
    ids = random.Random(0).sample(all_ids, min(args.sample, len(all_ids)))
    stored = assistant.index.chunks(ids)
    texts = [
        embedding_text(assistant.index.document(c.doc_id).metadata, c.chunk, assistant.settings, assistant.embedder.count_tokens)
        for c in stored.values()
    ]
    started = time.perf_counter()
    assistant.embedder.embed_passages(texts)
    raw_rate = len(texts) / (time.perf_counter() - started)

    print("\n## Ingest (whole shared corpus)\n")
    print("| documents | chunks | seconds | chunks/s | raw model.encode chunks/s (same run) | failed |")
    print("|---:|---:|---:|---:|---:|---:|")
    rate = report.chunks / report.seconds if report.seconds else float("nan")
    print(f"| {len(documents)} | {chunks} | {report.seconds:.1f} | {rate:.1f} | {raw_rate:.1f} | {len(report.failed)} |")
    for path, reason in report.failed:
        print(f"  failed: {path}: {reason}")

    questions = [question.question for question in read_questions(args.questions)]
    for question in questions[:3]:  # warm-up: first calls pay for lazy initialisation
        assistant.answer(question)
    timings: dict[str, list[float]] = {"embed query (baseline)": [], "search": [], "answer": []}
    for _ in range(args.rounds):
        for question in questions:
            for name, call in (
                ("embed query (baseline)", lambda q=question: assistant.embedder.embed_query(q)),
                ("search", lambda q=question: assistant.search(q)),
                ("answer", lambda q=question: assistant.answer(q)),
            ):
                started = time.perf_counter()
                call()
                timings[name].append((time.perf_counter() - started) * 1000)
    print(f"\n## Warm query latency ({len(questions)} dev questions × {args.rounds}, ms)\n")
    print("| operation | p50 | p95 |")
    print("|---|---:|---:|")
    for name, values in timings.items():
        print(f"| {name} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} |")
    assistant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
