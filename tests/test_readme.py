"""The README's API example runs as written against what a fresh install serves: the app over the shipped casebook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings, shipped_casebook

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_ADDRESS = "http://127.0.0.1:7860/"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.M | re.S)


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory, embedder):
    """`serve` on a new data folder once the first start has indexed the shipped casebook."""
    pytest.importorskip("gradio_client")
    from browser import free_port

    from assistant.web.app import start

    folder = tmp_path_factory.mktemp("fresh")
    settings = load_settings(index=folder / "index", home=folder / "home", port=free_port())
    assistant = Assistant(settings, create=True, embedder=embedder)
    report = assistant.ingest([shipped_casebook()])
    assert not report.failed, report.failed
    running = start(settings, assistant)
    yield running
    running.app.close()
    assistant.close()


def test_the_readme_api_example_runs_on_the_shipped_casebook(fresh_install, capsys):
    (example,) = [block for block in python_blocks(README.read_text(encoding="utf-8")) if "gradio_client" in block]
    assert EXAMPLE_ADDRESS in example, "the example talks to the address `serve` prints"
    exec(compile(example.replace(EXAMPLE_ADDRESS, fresh_install.url), str(README), "exec"), {})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    answer, listed = printed[0], printed[1:]
    assert answer and "Nothing matches" not in answer and "No passage" not in answer, answer
    passages = [line for line in listed if re.match(r"^\d+ ", line)]
    cases = [line for line in listed if " · " in line]
    assert passages and all("casebook note" in line for line in passages), (
        "the case-law filter lists the notes on judgments of a fresh install"
    )
    assert any(line.startswith("1 Hirsi Jamaa and Others v. Italy [GC], no. 27765/09") for line in passages), passages
    assert len(cases) == 5, "the precedents example lists five cases"
