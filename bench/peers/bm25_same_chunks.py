"""Peer 2: plain BM25 (rank_bm25's Okapi, its default k1=1.5, b=0.75) over the product's own chunks.

Tokens are lower-cased runs of word characters, English stopwords removed (scikit-learn's list,
which ships with the package; NLTK's would need a download). No stemming. The index takes seconds
to build, so it is built in memory on every run rather than cached.

Usage: python bench/peers/bm25_same_chunks.py [--chunks bench/out/chunks.jsonl] [--out ...]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import common
import numpy as np

NAME = "bm25"
_WORD = re.compile(r"\w+")


def english_stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def tokenize(text: str, stopwords: frozenset[str]) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in stopwords]


class BM25Index:
    """rank_bm25's BM25Okapi over chunk texts, searched for the top k."""

    def __init__(self, chunks: list[common.ChunkRecord]):
        from rank_bm25 import BM25Okapi

        self.chunks = chunks
        self.stopwords = english_stopwords()
        self.bm25 = BM25Okapi([tokenize(chunk.text, self.stopwords) for chunk in chunks])

    def search(self, query: str, k: int = common.TOP_K) -> list[common.Passage]:
        scores = self.bm25.get_scores(tokenize(query, self.stopwords))
        top = np.argsort(-scores, kind="stable")[:k]
        return [common.Passage(self.chunks[i].text, self.chunks[i].path, float(scores[i])) for i in top]


def run(chunks_path: Path, qa: Path, out: Path) -> dict:
    """Index the chunks, answer every question, write the results; returns the build record."""
    chunks = common.read_chunks(chunks_path)
    with common.stopwatch() as took:
        index = BM25Index(chunks)
    questions = common.read_questions(qa)
    common.write_results(out, questions, [index.search(q.question) for q in questions])
    return {"pipeline": NAME, "build_seconds": round(took[0], 1), "chunks": len(chunks)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=Path, default=common.CHUNKS, help="the dump chunks.py writes")
    parser.add_argument("--qa", type=Path, default=common.DEV_QUESTIONS)
    parser.add_argument("--out", type=Path, default=common.OUT / f"peer-{NAME}.jsonl")
    args = parser.parse_args(argv)
    record = run(args.chunks, args.qa, args.out)
    common.log(f"{NAME}: wrote {args.out} (index built in {record['build_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
