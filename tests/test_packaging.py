"""A plain install (a wheel, not the editable checkout) holds everything the app needs, the casebook included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BELARUS = "Is it legal to return asylum seekers to Belarus without examining their claims?"


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)


@pytest.mark.model
def test_a_wheel_answers_from_the_shipped_casebook(tmp_path, model_cache):
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
                str(ROOT))
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("asylum_assistant-*.whl")
    site = tmp_path / "site"
    installed = run(sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel))
    assert installed.returncode == 0, installed.stderr

    # The wheel's packages come first on the path; its dependencies are this environment's.
    env = {**os.environ, "PYTHONPATH": str(site), "ASYLUM_ASSISTANT_HOME": str(tmp_path / "home"),
           "ASYLUM_ASSISTANT_MODELS": str(model_cache)}
    where = run(sys.executable, "-c", "import assistant.settings as s; print(s.__file__); print(s.shipped_casebook())",
                env=env, cwd=tmp_path)
    module, casebook = where.stdout.split()
    assert Path(module).is_relative_to(site), f"the test must run the wheel, not the checkout: {module}"
    assert Path(casebook).is_relative_to(site) and len(list(Path(casebook).rglob("*.md"))) >= 40, (
        "the casebook's notes are in the wheel"
    )

    asked = run(sys.executable, "-m", "assistant.cli", "ask", BELARUS, "--json", "--k", "3", env=env, cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and answer["passages"][0]["doc_id"] == "eastern-borders", (
        "a first question on a plain install indexes the shipped casebook and answers from it"
    )
