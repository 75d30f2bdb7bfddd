"""The first start: `serve` opens at once on a new, empty index and builds the casebook into it meanwhile.

Questions are answered from what is indexed so far (the index takes readers while one thread writes). A build
that did not finish (the app was stopped) resumes on the next start; the files already indexed are skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.core import Assistant
from assistant.ingestion import IngestReport, Progress, ProgressCallback
from assistant.settings import Settings
from index.manifest import read_manifest
from index.milvus import is_milvus

__all__ = ["PENDING", "BuildState", "CasebookBuild", "needs_casebook"]

# In the index folder from the moment the index is created for the casebook until its build has finished.
PENDING = "casebook.pending"


def needs_casebook(settings: Settings) -> bool:
    """Whether `serve` has the casebook to index: there is no index yet, or its first build did not finish."""
    if is_milvus(settings.index):
        return False  # a shared collection is filled on purpose (ingest, migrate), not with the casebook
    return read_manifest(settings.index) is None or (settings.index / PENDING).exists()


@dataclass(frozen=True)
class BuildState:
    """How far the build has come. A snapshot: the build replaces it with a new one at each step."""

    folder: Path
    stage: str = "starting"  # then "reading" (files), "embedding" (passages) and "finished"
    done: int = 0  # files read, or passages embedded
    total: int = 0
    report: IngestReport | None = None  # once finished: what became of each file
    error: str = ""  # why the build stopped before its end

    @property
    def running(self) -> bool:
        return self.stage != "finished"

    @property
    def failed(self) -> list[tuple[str, str]]:
        """(file, reason) of each file of the casebook that could not be indexed."""
        return self.report.failed if self.report else []


class CasebookBuild:
    """Ingests `settings.casebook` into the assistant's index in a thread of its own; `state` says how far.

    Created before the app is served (it marks the index as waiting for the casebook), started once it is.
    """

    def __init__(
        self,
        assistant: Assistant,
        on_progress: ProgressCallback | None = None,
        on_finished: Callable[[BuildState], None] | None = None,
    ):
        self.assistant = assistant
        self.state = BuildState(assistant.settings.casebook.resolve())  # as the report names its files
        self._pending = assistant.settings.index / PENDING
        self._pending.write_text("the first build of the casebook has not finished; `serve` resumes it\n")
        self._on_progress = on_progress
        self._on_finished = on_finished
        # A daemon: stopping the app stops the build; the next start resumes it.
        self._thread = threading.Thread(target=self._run, name="casebook-build", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the build to finish (at most `timeout` seconds); whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            report = self.assistant.ingest([self.state.folder], self._progress)
        except Exception as error:
            self._finish(replace(self.state, stage="finished", error=str(error) or type(error).__name__))
            raise  # not a bad file (those are in the report) but a fault: its traceback goes to the terminal
        self._pending.unlink(missing_ok=True)
        self._finish(replace(self.state, stage="finished", report=report))

    def _progress(self, progress: Progress) -> None:
        self.state = replace(self.state, stage=progress.stage, done=progress.done, total=progress.total)
        if self._on_progress:
            self._on_progress(progress)

    def _finish(self, state: BuildState) -> None:
        self.state = state
        if self._on_finished:
            self._on_finished(state)
