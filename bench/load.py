"""The web app under load: 200 API calls from 8 clients at once, beside the same calls from one client.

    python bench/load.py [--index bench/out/index] [--calls 200] [--clients 8]

Serves the app on an index (by default a small one, built once in bench/out/index-load from five files of the
shared corpus), then calls its `ask` and `search` endpoints with the dev questions through gradio_client:
first one client after another call (the baseline), then `--clients` clients at once. Prints calls, errors,
p50/p95 latency and throughput of each.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from assistant.evaluation import read_questions  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from bench.ingest import percentile  # noqa: E402

SMALL = [
    "statutes/echr-protocol-4.txt",
    "case-law/at-v-italy-2023.txt",
    "case-law/hirsi-jamaa-v-italy-gc-2012.txt",
    "statutes/reg-604-2013-dublin-iii.txt",
    "articles/yle-selkouutiset-2024-07-13-finland-border-security-act-vote-en.md",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_calls(url: str, calls: list[tuple[str, str]], clients: int) -> tuple[list[float], int, float]:
    """Latencies (ms) of the calls, spread over `clients` threads each with its own client; errors; seconds."""
    from gradio_client import Client

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(calls)

    def client() -> None:
        nonlocal errors
        connection = Client(url, verbose=False)
        while True:
            with lock:
                if not queue:
                    return
                endpoint, text = queue.pop()
            started = time.perf_counter()
            try:
                connection.predict(text, api_name=endpoint)
            except Exception:
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index to serve (default: a small one of five files)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    from assistant.web.app import start

    index = args.index or ROOT / "bench" / "out" / "index-load"
    settings = load_settings(index=index, port=free_port(), home=ROOT / "bench" / "out" / "home-load")
    assistant = Assistant(settings, create=args.index is None)
    if args.index is None:
        assistant.ingest([args.corpus / path for path in SMALL])
    server = start(settings, assistant)
    questions = [question.question for question in read_questions(args.questions)]
    calls = [("/ask" if n % 2 == 0 else "/search", questions[n % len(questions)]) for n in range(args.calls)]
    run_calls(server.url, calls[:4], 1)  # warm-up: the first calls pay for lazy set-up

    print(f"\n## Web load ({len(calls)} calls, ask and search alternating, index {index})\n")
    print("| clients | calls | errors | p50 ms | p95 ms | calls/s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for clients in (1, args.clients):
        latencies, errors, seconds = run_calls(server.url, calls, clients)
        print(f"| {clients} | {len(calls)} | {errors} | {percentile(latencies, 0.5):.0f} | "
              f"{percentile(latencies, 0.95):.0f} | {len(calls) / seconds:.1f} |")
    server.app.close()
    assistant.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
