"""The base of every expected failure, and the failures of reading documents.

Each package owns its exceptions (`index/errors.py`, `assistant/errors.py`); all derive from AssistantError, so
that the edges (the CLI, the web app) catch one type and show its message, which says what happened and what
the user can do about it.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every expected failure; its message is meant for the user."""


class UnreadableDocument(AssistantError):
    """A file could not be turned into text: corrupt, encrypted, empty, or not a supported format."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class BadMetadata(AssistantError):
    """What a MANIFEST.tsv, a form or a file says about a document cannot be used (an unknown kind...)."""
