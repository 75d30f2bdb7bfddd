"""Ingest lifecycle with the real model: incremental re-ingest, replace, remove, bad files, crashes, the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import load_settings
from index.corpus import CorpusIndex

SMALL = [
    "statutes/echr-protocol-4.txt",
    "articles/yle-selkouutiset-2024-07-13-finland-border-security-act-vote-en.md",
    "case-law/cjeu-c-201-16-shiri-2017.txt",
]


def cli(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=600,
    )


@pytest.fixture
def folder(tmp_path, corpus_dir) -> Path:
    """A copy of three small documents, with the MANIFEST.tsv rows that describe them."""
    target = tmp_path / "docs"
    for path in SMALL:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_dir / path, target / path)
    rows = (corpus_dir / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    (target / "MANIFEST.tsv").write_text(
        "\n".join([rows[0]] + [row for row in rows[1:] if row.split("\t")[0] in SMALL]) + "\n", encoding="utf-8"
    )
    return target


@pytest.fixture
def fresh(tmp_path, embedder) -> Assistant:
    return Assistant(load_settings(index=tmp_path / "index"), create=True, embedder=embedder)


def test_reingest_is_incremental_and_remove_deletes(fresh, folder):
    first = fresh.ingest([folder])
    assert sorted(first.added) == ["cjeu-c-201-16-shiri-2017", "echr-protocol-4", "yle-selkouutiset-2024-07-13-finland-border-security-act-vote-en"]
    metadata = fresh.index.document("echr-protocol-4").metadata
    assert metadata.citation == "ETS No. 46, Strasbourg, 16 September 1963", "metadata comes from MANIFEST.tsv"

    again = fresh.ingest([folder])
    assert again.added == [] and len(again.unchanged) == 3 and again.chunks == 0, "unchanged files are not re-read"

    article = folder / SMALL[1]
    article.write_text(article.read_text(encoding="utf-8") + "\n\nA paragraph added later about Vaalimaa.\n", encoding="utf-8")
    changed = fresh.ingest([folder])
    assert changed.replaced == ["yle-selkouutiset-2024-07-13-finland-border-security-act-vote-en"]
    assert 0 < changed.reused < changed.chunks, "only the passages the change touched are embedded again"
    found = fresh.search("Vaalimaa", k=3)
    assert any("Vaalimaa" in p.text for p in found.passages), "the new version is searchable"
    assert len(fresh.index) == fresh.index.chunk_count(), "old chunks left FAISS with the old version"

    fresh.remove("cjeu-c-201-16-shiri-2017")
    assert "cjeu-c-201-16-shiri-2017" not in [d.doc_id for d, _ in fresh.index.documents()]
    assert all(p.document.doc_id != "cjeu-c-201-16-shiri-2017" for p in fresh.search("Dublin transfer six months").passages)


def test_bad_files_are_reported_and_the_rest_is_ingested(fresh, folder, corpus_dir):
    bad = folder / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02 not text \x00")
    (bad / "truncated.pdf").write_bytes((corpus_dir / "pdf/eu-charter-2000-oj-c364.pdf").read_bytes()[:5000])
    (bad / "notes.odt").write_bytes(b"PK\x03\x04")
    report = fresh.ingest([folder])
    reasons = {Path(path).name: reason for path, reason in report.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "truncated.pdf", "notes.odt"}, reasons
    assert "empty" in reasons["empty.txt"] and "text" in reasons["binary.txt"]
    assert "unsupported" in reasons["notes.odt"]
    assert len(report.added) == 3, "one bad file must not stop the others"


def test_same_content_from_another_path_is_not_indexed_twice(fresh, folder, tmp_path):
    copy = tmp_path / "copy-of-protocol.txt"
    shutil.copy(folder / SMALL[0], copy)
    fresh.ingest([folder / SMALL[0]])
    report = fresh.ingest([copy])
    assert report.duplicates == [(str(copy), "echr-protocol-4")]


def test_an_interrupted_ingest_keeps_every_finished_document_whole(fresh, folder):
    def interrupt_during_second_document(progress):
        if progress.stage == "embedding" and progress.documents_done == 1:  # the next one may be embedded, not stored
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fresh.ingest([folder], interrupt_during_second_document)
    reopened = CorpusIndex.open(fresh.settings.index)
    documents = reopened.documents()
    assert len(documents) == 1, "the document being embedded when the ingest stopped must leave no trace"
    assert len(reopened) == reopened.chunk_count() == documents[0][1]


@pytest.mark.model  # its command loads the model
def test_a_killed_ingest_leaves_a_consistent_index_that_resumes(tmp_path, folder, corpus_dir):
    shutil.copy(corpus_dir / "case-law/hirsi-jamaa-v-italy-gc-2012.txt", folder / "case-law")
    index = tmp_path / "index"
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", str(folder), "--index", str(index)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "ASYLUM_ASSISTANT_EMBED_WINDOW": "1"},  # a file at a time: killed between two
    )
    stored = threading.Event()

    def watch_progress() -> None:  # its progress bar counts the documents stored: "docs 1/4"
        seen = b""
        while chunk := process.stderr.read1(4096):
            seen = seen[-64:] + chunk
            if re.search(rb"docs [1-9]/", seen):
                stored.set()

    watcher = threading.Thread(target=watch_progress, daemon=True)
    watcher.start()
    try:
        assert stored.wait(300), "a first document is stored"
        assert process.poll() is None, "the ingest must still be running when it is killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    killed = CorpusIndex.open(index)
    committed = {d.doc_id: n for d, n in killed.documents()}
    assert 1 <= len(committed) < 4 and len(killed) == killed.chunk_count()
    killed.close()

    resumed = cli("ingest", str(folder), "--index", str(index))
    assert resumed.returncode == 0, resumed.stderr
    final = CorpusIndex.open(index)
    counts = {d.doc_id: n for d, n in final.documents()}
    assert len(counts) == 4 and len(final) == final.chunk_count()
    assert all(counts[doc_id] == n for doc_id, n in committed.items()), "documents finished before the kill are whole"


@pytest.mark.model  # its command loads the model
def test_cli_contract(tmp_path, folder):
    index = str(tmp_path / "index")
    bad = folder / "empty.md"
    bad.write_text("   \n")
    ingest = cli("ingest", str(folder), "--index", index)
    assert ingest.returncode == 1, "a failed file makes the command exit non-zero"
    assert "1 failed" in ingest.stdout and "empty.md" in ingest.stderr

    docs = cli("docs", "--index", index)
    lines = [line.split("\t") for line in docs.stdout.splitlines()]
    assert {line[0] for line in lines} == {"cjeu-c-201-16-shiri-2017", "echr-protocol-4", "yle-selkouutiset-2024-07-13-finland-border-security-act-vote-en"}
    assert all(len(line) == 4 and line[3].isdigit() for line in lines), "id, kind, title, chunk count"

    search = cli("search", "--jsonl", "--index", index, "--k", "3", stdin="collective expulsion of aliens\n\nsix months transfer\n")
    records = [json.loads(line) for line in search.stdout.splitlines()]
    assert [r["query"] for r in records] == ["collective expulsion of aliens", "", "six months transfer"], "one line per input line"
    passage = records[0]["passages"][0]
    assert set(passage) >= {"rank", "score", "doc_id", "title", "kind", "citation", "source", "page", "paragraph", "text"}
    assert passage["citation"].startswith("Protocol No. 4") and passage["paragraph"] == "Article 4"

    ask = cli("ask", "What is the time limit for carrying out a Dublin transfer?", "--json", "--index", index)
    answer = json.loads(ask.stdout)
    assert set(answer) >= {"question", "answer", "abstained", "passages"}
    assert re.search(r"\[\d+\]$", answer["answer"]), "the summary's sentences carry citation markers"

    removed = cli("remove", "echr-protocol-4", "--index", index)
    assert removed.returncode == 0 and "echr-protocol-4" not in cli("docs", "--index", index).stdout
    unknown = cli("remove", "no-such-document", "--index", index)
    assert unknown.returncode == 2 and "docs" in unknown.stderr and "Traceback" not in unknown.stderr


@pytest.mark.model  # its command loads the model
def test_a_first_question_on_a_new_install_indexes_the_casebook_first(tmp_path):
    from assistant.settings import shipped_casebook

    casebook = tmp_path / "casebook"  # one note of the shipped casebook, so that the build takes seconds
    (casebook / "background").mkdir(parents=True)
    shutil.copy(shipped_casebook() / "background" / "eastern-borders.md", casebook / "background")
    env = {"ASYLUM_ASSISTANT_CASEBOOK": str(casebook)}
    belarus = "Is it legal to return asylum seekers to Belarus without examining their claims?"

    first = cli("ask", belarus, "--json", "--k", "3", env=env)
    assert first.returncode == 0, first.stderr
    assert "indexing the shipped casebook" in first.stderr and "casebook indexed: 1 added" in first.stderr
    answer = json.loads(first.stdout)
    assert not answer["abstained"] and answer["passages"][0]["doc_id"] == "eastern-borders", answer

    again = cli("search", "--jsonl", "--k", "1", stdin=belarus + "\n", env=env)
    assert again.returncode == 0 and "indexing" not in again.stderr, "indexed once, then used as it is"

    elsewhere = cli("ask", belarus, "--index", str(tmp_path / "typo"), env=env)
    assert elsewhere.returncode == 2 and "no index at" in elsewhere.stderr, "a folder the user named is not made up"


def test_files_with_the_same_name_or_content_in_one_run_get_their_own_ids(fresh, folder, tmp_path):
    twin_name = tmp_path / "other" / "echr-protocol-4.md"  # same stem as statutes/echr-protocol-4.txt
    twin_name.parent.mkdir()
    twin_name.write_text("# Protocol No. 4\n\nA different text about the prohibition of collective expulsion.\n")
    twin_content = tmp_path / "other" / "copy.txt"
    shutil.copy(folder / SMALL[0], twin_content)
    report = fresh.ingest([folder / SMALL[0], twin_name, twin_content])
    assert sorted(report.added) == ["echr-protocol-4", "echr-protocol-4-md"]
    assert report.duplicates == [(str(twin_content), "echr-protocol-4")]


def test_files_are_embedded_in_windows_of_about_a_number_of_chunks_whole_and_in_order():
    from assistant.ingestion import _Prepared, embedding_windows
    from ingest.records import Chunk, Document, Metadata

    def prepared(position: int, chunks: int) -> _Prepared:
        document = Document(str(position), f"/{position}.txt", str(position), "txt", Metadata("article", "t"))
        return _Prepared(position, document, [Chunk("x")] * chunks, ["x"] * chunks, [])

    files = [prepared(0, 300), prepared(1, 200), prepared(2, 100), prepared(3, 900), prepared(4, 1)]
    windows = [[item.position for item in window] for window in embedding_windows(files, 512)]
    assert windows == [[0, 1], [2], [3], [4]], "a file is never split; a large one is a window of its own"
    assert list(embedding_windows([], 512)) == []
