"""Reading untrusted files in a child process, with bounded memory and time.

The readers check what they can tell from a file cheaply (a ZIP that would unpack a hundred times over, YAML
aliases, text that is not language) and refuse with the reason. What no check foresees — a PDF whose
content stream makes the parser loop, XML that takes gigabytes — must not take the app down with it: the
child process that reads has an address-space limit, and is stopped when a file takes too long. The next file
gets a new child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from ingest.errors import UnreadableDocument
from ingest.reader import read_document
from ingest.records import PageCallback, ParsedDocument, SourceFile

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """How long reading one file may take, and how much memory the reader may use."""

    seconds: float = 120.0
    memory_mb: int = 3072


class IsolatedReader:
    """`read_document` in a child process that is started on first use and serves one file at a time."""

    def __init__(self, limits: ReadLimits = ReadLimits()):
        self.limits = limits
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._requests: Connection | None = None  # to the child
        self._answers: Connection | None = None  # from the child

    def read(self, source: SourceFile, on_page: PageCallback | None = None) -> ParsedDocument:
        """What read_document makes of `source`; UnreadableDocument when it cannot, or would overstep the limits.

        `on_page(done, total)` follows a PDF's pages as the child reads them (see PageCallback).
        """
        with self._lock:
            self._start()
            try:
                self._requests.send(source)
            except OSError:
                pass  # it stopped taking the file in: its answer, or its end, says why
            # The limit is on the whole read, however many pages the child reports on the way.
            deadline = time.monotonic() + self.limits.seconds
            outcome, value = "page", None
            while outcome == "page":
                if value and on_page:
                    on_page(*value)
                if not self._answers.poll(max(0.0, deadline - time.monotonic())):
                    self._stop()
                    raise UnreadableDocument(
                        source.name,
                        f"reading it took more than {self.limits.seconds:g} s and was stopped; a document this slow "
                        "to read is damaged or built to exhaust the reader (split a very large one into parts)",
                    )
                try:
                    outcome, value = self._answers.recv()
                except EOFError:
                    status = self._stop()
                    if status >= 0:  # not killed for its memory, but broken: a fault of ours, not of the file
                        raise RuntimeError(f"the reader process stopped with exit status {status}") from None
                    outcome, value = "memory", ""
        if outcome == "memory":
            raise UnreadableDocument(
                source.name,
                f"reading it needed more than {self.limits.memory_mb} MB of memory and was stopped; the file is "
                "damaged or built to exhaust the reader",
            )
        if outcome == "refused":
            raise UnreadableDocument(source.name, value)
        return value

    def close(self) -> None:
        with self._lock:
            self._stop()

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            self._stop()  # it died between two files (killed from outside): start another
        if self._process is not None:
            return
        # A process of its own, not a fork of this one (whose threads a fork would copy mid-step). Files go to
        # it, and their blocks come back, as pickles over its standard input and output.
        process = subprocess.Popen(
            [sys.executable, "-m", "ingest.isolation", str(self.limits.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        self._requests = Connection(os.dup(process.stdin.fileno()), readable=False)
        self._answers = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        self._process = process

    def _stop(self) -> int:
        """Stop the child (the next file starts a new one); its exit status, negative if a signal ended it."""
        if self._process is None:
            return 0
        self._process.kill()
        status = self._process.wait()
        for connection in (self._requests, self._answers):
            if not connection.closed:
                connection.close()
        self._process = self._requests = self._answers = None
        return status


def _serve(memory_mb: int) -> None:
    """The child: read each file it is sent, and send back the pages read as it goes, then the blocks or why not."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB))
    except (ImportError, ValueError, OSError):  # no such limit on this platform: time still bounds the read
        pass
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # what a library prints goes to the terminal, not into the answers
    while True:
        try:
            source = requests.recv()
        except EOFError:
            return
        except MemoryError:  # the file itself does not fit: say so, and end (the stream is cut mid-file)
            answers.send(("memory", ""))
            return
        def page_read(done: int, total: int) -> None:
            answers.send(("page", (done, total)))

        try:
            answer = ("parsed", read_document(source, page_read))
        except UnreadableDocument as error:
            answer = ("refused", error.reason)
        except MemoryError:
            answer = ("memory", "")
        answers.send(answer)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
