"""The assistant's own failures: settings and user input, web addresses, uploads."""

from __future__ import annotations

from ingest.errors import AssistantError


class BadSetting(AssistantError):
    """A setting, a command-line value or a form field is invalid."""


class FetchError(AssistantError):
    """A web address could not be downloaded or is not allowed; `reason` says why and what to do."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class UploadRefused(AssistantError):
    """An uploaded file is of a type or size the app does not take; `reason` says which and what is allowed."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
