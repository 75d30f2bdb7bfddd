"""Peer 3: txtai's hybrid search (dense MiniLM + its BM25 scoring) over the product's own chunks.

Embeddings(path=<packaged MiniLM>, hybrid=True, content=True), every other setting txtai's default:
its own transformers pooling (mean, normalised), Faiss (IVF above 5,000 rows, with its default
nprobe), BM25 with its default tokenizer, and the dense and keyword scores combined with weight 0.5.
Deviations, only to run offline or to share the machine: the model is loaded by path with
HF_HUB_OFFLINE=1, torch and Faiss are limited to --threads threads, and the index is saved under
bench/out/ and loaded back (txtai's own save/load).

Usage: python bench/peers/txtai_hybrid.py [--chunks bench/out/chunks.jsonl] [--rebuild] [--out ...]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import common

NAME = "txtai"
INDEX_DIR = common.OUT / "index-txtai"


def build_or_load(chunks_path: Path, rebuild: bool = False):
    """txtai's hybrid Embeddings over the chunk dump, from the cache when the dump is unchanged.

    Returns the embeddings, the chunks and the build record (with "build_seconds").
    """
    from txtai import Embeddings

    chunks = common.read_chunks(chunks_path)
    fingerprint = common.file_digest([chunks_path], chunks_path.parent)
    record = common.read_build_record(INDEX_DIR)
    if not rebuild and record.get("chunks_digest") == fingerprint and (INDEX_DIR / "embeddings").exists():
        embeddings = Embeddings()
        embeddings.load(str(INDEX_DIR / "embeddings"))
        return embeddings, chunks, record
    embeddings = Embeddings(path=common.model_path(), hybrid=True, content=True)
    shutil.rmtree(INDEX_DIR, ignore_errors=True)
    common.log(f"{NAME}: embedding {len(chunks)} chunks (minutes on one core)")
    with common.stopwatch() as took:
        embeddings.index({"id": str(number), "text": chunk.text} for number, chunk in enumerate(chunks))
    embeddings.save(str(INDEX_DIR / "embeddings"))
    record = {"pipeline": NAME, "chunks_digest": fingerprint, "build_seconds": round(took[0], 1),
              "chunks": len(chunks), "config": {k: v for k, v in embeddings.config.items() if k != "path"}}
    common.write_build_record(INDEX_DIR, record)
    return embeddings, chunks, record


def search(embeddings, chunks: list[common.ChunkRecord], questions: list[common.Question],
           k: int = common.TOP_K) -> list[list[common.Passage]]:
    rankings = []
    for question in questions:
        hits = embeddings.search(question.question, k)
        rankings.append([
            common.Passage(hit["text"], chunks[int(hit["id"])].path, float(hit["score"])) for hit in hits
        ])
    return rankings


def run(chunks_path: Path, qa: Path, out: Path, rebuild: bool, threads: int) -> dict:
    """Build (or load) the index, answer every question, write the results; returns the build record."""
    import faiss

    common.limit_threads(threads)
    faiss.omp_set_num_threads(threads)
    embeddings, chunks, record = build_or_load(chunks_path, rebuild)
    questions = common.read_questions(qa)
    common.write_results(out, questions, search(embeddings, chunks, questions))
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=Path, default=common.CHUNKS, help="the dump chunks.py writes")
    parser.add_argument("--qa", type=Path, default=common.DEV_QUESTIONS)
    parser.add_argument("--out", type=Path, default=common.OUT / f"peer-{NAME}.jsonl")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached index")
    parser.add_argument("--threads", type=int, default=common.DEFAULT_THREADS)
    args = parser.parse_args(argv)
    record = run(args.chunks, args.qa, args.out, args.rebuild, args.threads)
    common.log(f"{NAME}: wrote {args.out} (index built in {record['build_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
