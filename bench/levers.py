"""Measure retrieval levers that need no re-embedding, on one index, in one run.

    python bench/levers.py --index bench/out/index [--qa ../shared/eval/dev.jsonl] [--set name=value ...]

Each row is the dev-set score with one group of settings changed from the defaults (the first row).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from assistant.evaluation import aggregate, read_questions, score_result  # noqa: E402
from assistant.search import Retriever  # noqa: E402
from assistant.settings import load_settings  # noqa: E402

NO_PRIORS = {"weight_submissions": 1.0, "weight_background": 1.0, "weight_opinion": 1.0}
VARIANTS = {
    "defaults": {},
    "no section priors": NO_PRIORS,
    "no submissions prior": {"weight_submissions": 1.0},
    "no background prior": {"weight_background": 1.0},
    "no opinion prior": {"weight_opinion": 1.0},
    "dense only": {"lexical_weight": 0.0},
    "lexical first": {"lexical_weight": 1000.0},
    "lexical x0.5": {"lexical_weight": 0.5},
    "lexical x2": {"lexical_weight": 2.0},
    "rrf k=20": {"rrf_k": 20},
    "candidates 300": {"candidates": 300},
    "document evidence 0.5": {"document_weight": 0.5},
    "no authority": {"authority_weight": 0.0},
    "authority 0.1": {"authority_weight": 0.1},
    "authority 0.4": {"authority_weight": 0.4},
    "re-rank top 20": {"rerank_depth": 20},
    "re-rank top 20, mixed 0.5": {"rerank_depth": 20, "rerank_weight": 0.5},
    "re-rank top 40": {"rerank_depth": 40},
}


def evaluate(retriever: Retriever, questions, k: int = 10) -> tuple[dict, dict]:
    rows = [score_result(question, retriever.search(question.question, k), k) for question in questions]
    cross = [r for r in rows if r["type"] == "crosslingual"]
    return aggregate(rows), aggregate(cross)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--qa", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--model", default=None)
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    args = parser.parse_args()
    base = load_settings(index=args.index, model=args.model)
    assistant = Assistant(base)
    questions = read_questions(args.qa)
    print(f"{'variant':24} {'r@1':>6} {'r@5':>6} {'r@10':>6} {'MRR':>6} {'xl r@10':>8} {'abst':>6} {'f.abst':>6}")
    for name, overrides in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        retriever = Retriever(assistant.index, assistant.embedder, base.with_overrides(**overrides))
        overall, cross = evaluate(retriever, questions)
        print(
            f"{name:24} {overall['r1']:6.3f} {overall['r5']:6.3f} {overall['rk']:6.3f} {overall['rr']:6.3f} "
            f"{cross.get('rk', float('nan')):8.3f} {overall.get('abstention', float('nan')):6.3f} "
            f"{overall['false_abstention']:6.3f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
