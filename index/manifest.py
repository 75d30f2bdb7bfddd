"""manifest.json: what an index folder was built with, so it is never searched with settings that differ."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from index.errors import IndexMismatch

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("sentence-transformers", "torch", "transformers", "faiss-cpu", "pypdf", "asylum-assistant"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Manifest:
    """The settings that decide what is in the index. Two builds with equal manifests are interchangeable."""

    model: str
    dimension: int
    chunk_tokens: int  # the token budget each chunk's text was cut to
    chunker_version: str
    embed_context: str
    format: int = FORMAT_VERSION
    versions: dict[str, str] = field(default_factory=library_versions)
    created: str = field(default_factory=_now)

    def check_compatible(self, wanted: Manifest, folder: Path) -> None:
        """Refuse, with what to do, when this index was built with settings that differ from `wanted`."""
        fields = ("format", "model", "dimension", "chunk_tokens", "chunker_version", "embed_context")
        differences = [
            f"{name}: index has {getattr(self, name)!r}, this run uses {getattr(wanted, name)!r}"
            for name in fields
            if getattr(self, name) != getattr(wanted, name)
        ]
        if differences:
            raise IndexMismatch(
                f"the index at {folder} was built with other settings ({'; '.join(differences)}). "
                "Use the settings it was built with (e.g. --model), or build a new index in another folder "
                "with `asylum-assistant ingest PATH --index NEW_FOLDER`."
            )


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Manifest(**data)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    temporary = folder / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)
