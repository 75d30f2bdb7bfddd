"""Run the three peer pipelines on the dev questions and score each with the shared scorer.

Peers: llamaindex (the LlamaIndex starter over the corpus folder), bm25 (rank_bm25 over the product's
chunks), txtai (txtai hybrid over the product's chunks). Each writes bench/out/peer-<name>.jsonl in
the scorer's format; indexes are cached under bench/out/ and rebuilt only when their input changed.

Run it with the peers' own interpreter (see README.md):
  /work/peers-venv/bin/python bench/peers/run_peers.py            # a table: per-type rows and ALL
  /work/peers-venv/bin/python bench/peers/run_peers.py --json     # one JSON object on stdout

--json prints {"k", "qa", "peers": {name: {"overall", "by_type", "misses", "build_seconds",
"results", "notes"}}, "skipped": {name: reason}}, the aggregates as score.py computes them
(r1, r5, rk = recall@k, rr = MRR@k, ndcg); progress and library output go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
from pathlib import Path

import common

PEERS = ("llamaindex", "bm25", "txtai")
# What each peer changes from its library's defaults (only what running offline needs) and what it indexes.
NOTES = {
    "llamaindex": "SimpleDirectoryReader(recursive) + default SentenceSplitter (1024/200 tiktoken tokens) "
                  "+ VectorStoreIndex; MiniLM by path (HF_HUB_OFFLINE); MiniLM reads only the first 256 "
                  "word pieces of each node",
    "bm25": "rank_bm25 BM25Okapi (k1=1.5, b=0.75) over the product's chunks; lowercase \\w+ tokens, "
            "scikit-learn English stopwords, no stemming",
    "txtai": "txtai Embeddings(hybrid=True, content=True) over the product's chunks; MiniLM by path; "
             "default BM25 + dense fusion (weight 0.5), default Faiss IVF",
}


def load_scorer(path: Path = common.SCORER):
    """The shared scorer as a module (it is a script in shared/eval, not an installed package)."""
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(scorer, qa: Path, results: Path, k: int) -> dict:
    """score.py's --json output for one results file: {"overall", "by_type", "misses"}."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = scorer.main(["--qa", str(qa), "--results", str(results), "--k", str(k), "--json"])
    if status:
        raise SystemExit(f"score.py could not score {results} (exit {status}; its message is above)")
    return json.loads(printed.getvalue())


def run_peer(name: str, args: argparse.Namespace) -> tuple[Path, dict]:
    """Run one peer; returns its results file and its build record."""
    out = common.OUT / f"peer-{name}.jsonl"
    if name == "llamaindex":
        import llamaindex_starter

        return out, llamaindex_starter.run(args.corpus, args.qa, out, args.rebuild, args.threads)
    import chunks

    chunks.ensure_chunks(args.corpus, common.CHUNKS, common.MAX_CHUNK_TOKENS)
    if name == "bm25":
        import bm25_same_chunks

        return out, bm25_same_chunks.run(common.CHUNKS, args.qa, out)
    import txtai_hybrid

    return out, txtai_hybrid.run(common.CHUNKS, args.qa, out, args.rebuild, args.threads)


def run_all(args: argparse.Namespace) -> dict:
    """Run and score every chosen peer; a peer that cannot run is reported under "skipped"."""
    scorer = load_scorer(args.scorer)
    report: dict = {"k": args.k, "qa": str(args.qa), "peers": {}, "skipped": {}}
    for name in args.peers:
        common.log(f"== {name}")
        try:
            results, record = run_peer(name, args)
        except ModuleNotFoundError as error:
            # The product's chunker (ingest.chunking) may not have landed yet: say so, run the others.
            if not (error.name or "").startswith("ingest"):
                raise
            report["skipped"][name] = f"the product's {error.name} is missing from {common.REPO}"
            common.log(f"{name}: skipped: {report['skipped'][name]}")
            continue
        report["peers"][name] = {**score(scorer, args.qa, results, args.k),
                                 "build_seconds": record.get("build_seconds"), "results": str(results),
                                 "notes": NOTES[name]}
    return report


def print_table(report: dict) -> None:
    """Per-type rows and the ALL row of each peer, in the scorer's columns, each labelled with the peer."""
    k = report["k"]
    columns = ("r1", "r5", "rk", "rr", "ndcg", "false_abstention", "abstention")
    labels = {"r1": "r@1", "r5": "r@5", "rk": f"r@{k}", "rr": f"MRR@{k}", "ndcg": f"nDCG@{k}",
              "false_abstention": "false_abst", "abstention": "abstention"}
    print(f"{'pipeline':12} {'type':14} {'n':>3} " + " ".join(f"{labels[c]:>10}" for c in columns)
          + f" {'build s':>8}")
    for name, peer in report["peers"].items():
        for type_name, agg in list(peer["by_type"].items()) + [("ALL", peer["overall"])]:
            cells = " ".join(f"{agg[c]:10.3f}" if c in agg else f"{'-':>10}" for c in columns)
            seconds = peer["build_seconds"]
            build = f"{seconds:8.1f}" if type_name == "ALL" and seconds is not None else ""
            print(f"{name:12} {type_name:14} {agg['n']:3d} {cells} {build}".rstrip())
        print(f"{name:12} missed (no gold in top {k}): {' '.join(peer['misses']) or 'none'}")
    for name, reason in report["skipped"].items():
        print(f"{name:12} skipped: {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(PEERS))
    parser.add_argument("--corpus", type=Path, default=common.CORPUS)
    parser.add_argument("--qa", type=Path, default=common.DEV_QUESTIONS)
    parser.add_argument("--scorer", type=Path, default=common.SCORER)
    parser.add_argument("--k", type=int, default=common.TOP_K)
    parser.add_argument("--rebuild", action="store_true", help="ignore cached indexes")
    parser.add_argument("--threads", type=int, default=common.DEFAULT_THREADS,
                        help="CPU threads for embedding")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    # Libraries print progress and notices on stdout too; keep stdout for the table or the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        report = run_all(args)
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
