"""The Milvus backend beyond the index's contract (tests/test_index.py runs that against it): addresses and
their errors, one process per Milvus Lite file, and copying a folder index into Milvus."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from test_index import chunks, document, manifest, unit_vectors

from assistant.settings import load_settings
from index.address import open_index
from index.errors import IndexNotFound, StorageError
from index.migrate import migrate
from ingest.records import CitedParagraph


@pytest.mark.parametrize("address, says", [
    ("milvus://", "not a Milvus address"),
    ("milvus://localhost:19530/bad-name!", "letters, digits and _"),
    ("milvus-lite:index.sqlite", "ending in .db"),
    ("milvus://127.0.0.1:9/asylum", "cannot reach Milvus at milvus://127.0.0.1:9/asylum"),
])
def test_a_bad_address_or_an_unreachable_server_gets_one_sentence(address, says):
    with pytest.raises((IndexNotFound, StorageError), match=says) as caught:
        open_index(address)
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)


def test_a_missing_lite_file_is_reported_not_created(tmp_path):
    with pytest.raises(IndexNotFound, match="asylum-assistant ingest"):
        open_index(f"milvus-lite:{tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()


def test_a_lite_file_open_in_another_process_is_explained(tmp_path):
    address = f"milvus-lite:{tmp_path / 'index.db'}"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from index.address import open_index
            from test_index import manifest
            index = open_index({address!r}, manifest(), create=True)
            print("open", flush=True)
            sys.stdin.read()  # holds the file until the test closes its input
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StorageError, match="another process has it open"):
            open_index(address)
    finally:
        holder.stdin.close()
        holder.wait(60)


def test_migrate_copies_documents_chunks_vectors_and_citations_and_resumes(tmp_path):
    folder = open_index(tmp_path / "folder", manifest(), create=True)
    vectors = unit_vectors(5, 3)
    folder.add(document("a"), chunks("one", "two", "see § 180"), vectors[:3], [CitedParagraph(2, "27765/09", 180)])
    folder.add(document("b", kind="statute"), chunks("Article text", "more"), vectors[3:])
    address = f"milvus-lite:{tmp_path / 'copy.db'}"
    copied = []
    target = migrate(folder, address, on_document=copied.append)
    assert sorted(copied) == ["a", "b"]
    assert [listed.document for listed in target.documents()] == [listed.document for listed in folder.documents()]
    for doc_id in ("a", "b"):
        there, here = target.document_chunks(doc_id), folder.document_chunks(doc_id)
        assert [c.chunk for c in there] == [c.chunk for c in here]
        assert np.allclose(target.vectors([c.id for c in there]), folder.vectors([c.id for c in here]))
    assert [(key, paragraph) for key, paragraph, _ in target.citing(["27765/09"])] == [("27765/09", 180)]
    assert target.manifest.model == folder.manifest.model
    generation = target.generation()
    target = migrate(folder, address)  # again: everything is there already
    assert target.generation() == generation, "an unchanged document is not copied twice"
    target.close()


def test_the_command_line_migrates_and_lists_a_milvus_index(tmp_path):
    folder = open_index(tmp_path / "folder", manifest(), create=True)
    folder.add(document("hirsi"), chunks("Collective expulsion at sea."), unit_vectors(1, 4))
    folder.close()
    address = f"milvus-lite:{tmp_path / 'copy.db'}"
    run = [sys.executable, "-m", "assistant.cli"]
    migrated = subprocess.run([*run, "migrate", "--from", str(tmp_path / "folder"), "--to", address],
                              capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    assert f"copied 1 documents, 1 passages → {address}" in migrated.stdout
    listed = subprocess.run([*run, "docs", "--index", address], capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stdout.startswith("hirsi\tcase-law\tTitle of hirsi\t1"), listed.stderr
    missing = subprocess.run([*run, "docs", "--index", "milvus://127.0.0.1:9/asylum"], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "cannot reach Milvus" in missing.stderr


def test_the_token_comes_from_the_environment_and_is_never_shown(monkeypatch):
    monkeypatch.setenv("ASYLUM_ASSISTANT_MILVUS_TOKEN", "root:secret")
    settings = load_settings(index="milvus://milvus.internal:19530/asylum")
    assert settings.milvus_token == "root:secret" and "secret" not in repr(settings)
    assert settings.index == "milvus://milvus.internal:19530/asylum", "an address is not a path"
    help_text = subprocess.run([sys.executable, "-m", "assistant.cli", "--help"], capture_output=True, text=True).stdout
    assert "ASYLUM_ASSISTANT_MILVUS_TOKEN" in help_text and "secret" not in help_text
