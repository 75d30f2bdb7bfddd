"""The project's exception types. Each message says what happened and what the user can do about it.

They are raised anywhere inside and caught once, at the edge (the CLI prints them, the web app shows them).
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


class IndexMismatch(AssistantError):
    """An index folder was built with settings this run cannot use (another model, another chunker)."""


class IndexNotFound(AssistantError):
    """The index folder does not exist or holds no index yet."""


class BadSetting(AssistantError):
    """A setting or command-line value is invalid."""


class FetchError(AssistantError):
    """A web address could not be downloaded or is not allowed; `reason` says why and what to do."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
