"""What can go wrong with an index or its model, in words the user can act on."""

from __future__ import annotations

from ingest.errors import AssistantError


class IndexNotFound(AssistantError):
    """The index folder does not exist or holds no index yet."""


class IndexMismatch(AssistantError):
    """An index folder was built with settings this run cannot use (another model, another chunker)."""


class DocumentNotFound(AssistantError):
    """No document of the index has the id asked for."""


class ModelUnavailable(AssistantError):
    """The embedding model cannot be found or read (a package missing, a folder without a model)."""


class StorageError(AssistantError):
    """The index could not store a change (it is left as it was before the change)."""
