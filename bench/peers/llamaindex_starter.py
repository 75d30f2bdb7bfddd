"""Peer 1: the LlamaIndex starter as a user would write it, with MiniLM for embeddings.

SimpleDirectoryReader over the corpus folder (recursive, default readers), the default node parser
(SentenceSplitter: 1024-token chunks, 200 overlap), VectorStoreIndex, retriever top-10.

Deviations from the starter, each only to run offline or to share the machine:
- the embedding model is HuggingFaceEmbedding(model_name=<path of the packaged MiniLM>), not a hub
  name or OpenAI, and HF_HUB_OFFLINE=1;
- device="cpu" and torch limited to --threads threads;
- Settings.llm = None, so that nothing reaches for OpenAI (retrieval never calls the LLM);
- the index is persisted under bench/out/ and loaded back (LlamaIndex's own persist/load).
As a starter user would get it, MANIFEST.tsv is read as one more document, each PDF page is a document,
HTML is read as raw text (no default HTML reader), and MiniLM sees only the first 256 word pieces of a
1024-token node.

Usage: python bench/peers/llamaindex_starter.py [--rebuild] [--out bench/out/peer-llamaindex.jsonl]
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

import common

NAME = "llamaindex"
# pypdf warns once per font that fontTools (an optional extra) is missing; the text it extracts is the
# same a starter user gets, so the warnings are only noise here.
logging.getLogger("pypdf").setLevel(logging.ERROR)
INDEX_DIR = common.OUT / "index-llamaindex"


def embedding_model():
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=common.model_path(), device="cpu")


def build_or_load(corpus: Path, rebuild: bool = False):
    """The starter's VectorStoreIndex over `corpus`, from the cache when the corpus is unchanged.

    Returns the index and its build record (with "build_seconds").
    """
    from llama_index.core import (
        Settings,
        SimpleDirectoryReader,
        StorageContext,
        VectorStoreIndex,
        load_index_from_storage,
    )

    Settings.embed_model = embedding_model()
    Settings.llm = None  # retrieval only; without this LlamaIndex reaches for OpenAI when asked to answer
    fingerprint = common.corpus_digest(corpus)
    record = common.read_build_record(INDEX_DIR)
    if not rebuild and record.get("corpus_digest") == fingerprint:
        storage = StorageContext.from_defaults(persist_dir=str(INDEX_DIR))
        return load_index_from_storage(storage), record
    shutil.rmtree(INDEX_DIR, ignore_errors=True)
    common.log(f"{NAME}: reading and embedding {corpus} (minutes on one core)")
    with common.stopwatch() as took:
        documents = SimpleDirectoryReader(str(corpus), recursive=True).load_data()
        index = VectorStoreIndex.from_documents(documents, show_progress=True)
    index.storage_context.persist(persist_dir=str(INDEX_DIR))
    record = {
        "pipeline": NAME, "corpus_digest": fingerprint, "build_seconds": round(took[0], 1),
        "documents": len(documents), "nodes": len(index.docstore.docs),
    }
    common.write_build_record(INDEX_DIR, record)
    return index, record


def search(index, questions: list[common.Question], k: int = common.TOP_K) -> list[list[common.Passage]]:
    retriever = index.as_retriever(similarity_top_k=k)
    rankings = []
    for question in questions:
        hits = retriever.retrieve(question.question)
        rankings.append([
            common.Passage(hit.node.get_content(), _relative(hit.node.metadata.get("file_path", "")),
                           hit.score or 0.0)
            for hit in hits
        ])
    return rankings


def _relative(file_path: str) -> str:
    try:
        return Path(file_path).resolve().relative_to(common.CORPUS).as_posix()
    except ValueError:
        return file_path


def run(corpus: Path, qa: Path, out: Path, rebuild: bool, threads: int) -> dict:
    """Build (or load) the index, answer every question, write the results; returns the build record."""
    common.limit_threads(threads)
    index, record = build_or_load(corpus, rebuild)
    questions = common.read_questions(qa)
    common.write_results(out, questions, search(index, questions))
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=common.CORPUS)
    parser.add_argument("--qa", type=Path, default=common.DEV_QUESTIONS)
    parser.add_argument("--out", type=Path, default=common.OUT / f"peer-{NAME}.jsonl")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached index")
    parser.add_argument("--threads", type=int, default=common.DEFAULT_THREADS)
    args = parser.parse_args(argv)
    record = run(args.corpus, args.qa, args.out, args.rebuild, args.threads)
    common.log(f"{NAME}: wrote {args.out} (index built in {record['build_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
