"""Input that is wrong, hostile or careless gets a sentence, never a traceback: queries, numbers, filters, dates,
paths, bytes that are not UTF-8."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.errors import BadSetting
from assistant.forms import checked_query, filters_from_values
from assistant.records import Citation, Passage
from ingest.records import Chunk, Document, Metadata


def cli(*args, stdin: bytes = b"", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], input=stdin, capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def test_queries_are_text_of_bounded_length():
    assert checked_query("  caf\udce9 au lait ") == "caf\ufffd au lait", "undecodable bytes become U+FFFD"
    for bad, message in ((None, "must be text"), ("  ", "empty"), ("word " * 2000, "at most 5,000")):
        with pytest.raises(BadSetting, match=message):
            checked_query(bad)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"date_from": "2020-02-31"}, "'2020-02-31' is not a date"),
        ({"date_to": "2020-99"}, "'2020-99' is not a date"),
        ({"court": "%" * 60_000}, "at most 200"),
        ({"kinds": 5}, "kinds: a list of names"),
    ],
)
def test_filters_refuse_what_is_not_a_filter(values, message):
    with pytest.raises(BadSetting, match=message):
        filters_from_values(values)


@pytest.mark.parametrize("k", ["1000000000", "-5", "0", "ten"])
def test_the_number_of_passages_is_checked_before_anything_is_loaded(k):
    done = cli("search", "--jsonl", "--k", k, "--index", "/nonexistent")
    assert done.returncode == 2 and b"--k" in done.stderr and b"Traceback" not in done.stderr, done.stderr


def test_the_json_names_a_document_by_its_address_or_file_name_only():
    meta = Metadata(kind="statute", title="Protocol No. 4")
    local = Document("p4", "/home/lawyer/cases/secret-client/p4.txt", "h", "txt", meta)
    passage = Passage(1, 1.0, 0.9, 0, local, Chunk("Text."), Citation("Protocol No. 4", ""))
    assert passage.as_json()["source"] == "p4.txt"
    online = Document("p4", "/data/downloads/p4.pdf", "h", "pdf", Metadata(kind="statute", title="P4",
                                                                         url="https://www.coe.int/p4"))
    assert Passage(1, 1.0, 0.9, 0, online, Chunk("Text."), Citation("P4", "")).as_json()["source"] == (
        "https://www.coe.int/p4"
    )


@pytest.mark.model
def test_search_reads_every_line_whatever_its_bytes(web_index):
    lines = b"collective expulsion\n\xff\xfe caf\xe9 expulsion\n" + b"word " * 3000 + b"\nexpulsion of aliens\n"
    done = cli("search", "--jsonl", "--k", "2", "--index", str(web_index), stdin=lines)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(records) == 4, "one record per line, none lost after a bad one"
    assert records[1]["passages"] and "\ufffd" in records[1]["query"], "undecodable bytes are replaced, not fatal"
    assert "at most 5,000" in records[2]["error"] and records[2]["passages"] == []
    assert records[3]["passages"], "the line after the refused one is searched"


@pytest.mark.model
def test_ask_takes_a_question_with_undecodable_bytes(web_index):
    done = cli("ask", b"Is collective expulsion \xff prohibited?", "--index", str(web_index), "--k", "2")
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr


@pytest.mark.model
def test_paths_that_hold_nothing_to_ingest_are_named(tmp_path, embedder):
    from assistant.core import Assistant
    from assistant.settings import load_settings

    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "empty").mkdir()
    good = tmp_path / "notes.txt"
    good.write_text("The border guards returned the asylum seekers to Belarus without examining their claims.\n")
    assistant = Assistant(load_settings(index=tmp_path / "index"), create=True, embedder=embedder)
    report = assistant.ingest([tmp_path / "loop", good, tmp_path / "empty", tmp_path / "missing"])
    assert report.added == ["notes"], "the good file beside a symbolic link loop is ingested"
    reasons = dict(report.failed)
    assert "leading back to itself" in reasons[str(tmp_path / "loop")]
    assert "holds no files" in reasons[str(tmp_path / "empty")]
    assert reasons[str(tmp_path / "missing")] == "no such file or folder"
