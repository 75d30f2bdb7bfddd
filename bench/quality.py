"""Retrieval quality on a question set: our score rows beside the three peer pipelines', in one run.

    python bench/quality.py --index bench/out/index [--qa ../shared/eval/dev.jsonl] [--peers-python PY]
    python bench/quality.py --index milvus-lite:bench/out/index.db --beside bench/out/index   # two backends

Our rows come from the product's search path (as `asylum-assistant eval`); the peers' from
bench/peers/run_peers.py --json, run with the peers' own interpreter (their own venv, see bench/peers/).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from assistant.evaluation import METRICS, read_questions, score_result, score_table  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from bench.scale import latencies  # noqa: E402


def our_table(
    index: str, qa: Path, k: int, model: str | None, rounds: int
) -> tuple[list[tuple[str, dict]], tuple[float, float]]:
    """Our scores on the questions of `qa`, and the search's p50/p95 in ms (warm, over the questions `rounds` times)."""
    assistant = Assistant(load_settings(index=index, model=model))
    questions = read_questions(qa)
    table = score_table([score_result(question, assistant.search(question.question, k), k) for question in questions])
    timed = latencies(lambda text: assistant.search(text, k), [question.question for question in questions], rounds)
    assistant.close()
    return table, timed


def peer_tables(python: Path, qa: Path, k: int) -> dict[str, list[tuple[str, dict]]]:
    if not python.exists():
        print(f"(peers skipped: no interpreter at {python}; see bench/peers/README.md)", file=sys.stderr)
        return {}
    output = subprocess.run(
        [str(python), str(ROOT / "bench" / "peers" / "run_peers.py"), "--json", "--qa", str(qa), "--k", str(k)],
        capture_output=True, text=True, check=True,
    ).stdout
    peers = json.loads(output)["peers"]
    return {
        name: [*sorted(peer["by_type"].items()), ("ALL", peer["overall"])]
        for name, peer in peers.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="our index of the whole shared corpus (folder or Milvus address)")
    parser.add_argument("--beside", help="another index of the same corpus (the folder a Milvus one was migrated "
                        "from): its scores and search latency are printed beside")
    parser.add_argument("--qa", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--model", help="the model the index was built with")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions for the search latency")
    parser.add_argument("--peers-python", type=Path, default=Path("/work/peers-venv/bin/python"))
    args = parser.parse_args()

    ours = {"asylum-assistant": args.index, **({f"asylum-assistant on {args.beside}": args.beside} if args.beside else {})}
    tables, latencies = {}, {}
    for name, index in ours.items():
        tables[name], latencies[name] = our_table(index, args.qa, args.k, args.model, args.rounds)
    tables.update(peer_tables(args.peers_python, args.qa, args.k))
    columns = [c.replace("rk", f"r@{args.k}") for c in METRICS]
    print(f"\n## Retrieval quality on {args.qa.name}\n")
    print("| pipeline | type | n | " + " | ".join(columns) + " |")
    print("|---|---|---:|" + "---:|" * len(columns))
    for name, table in tables.items():
        for row_type, agg in table:
            if row_type != "ALL" and name not in ours:
                continue  # peers: their ALL row only; ours: per type too
            cells = " | ".join(f"{agg[c]:.3f}" if c in agg else "-" for c in METRICS)
            print(f"| {name} | {row_type} | {agg['n']} | {cells} |")
    print("\n| index | search p50 ms | search p95 ms |\n|---|---:|---:|")
    for name, (p50, p95) in latencies.items():
        print(f"| {ours[name]} | {p50:.0f} | {p95:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
