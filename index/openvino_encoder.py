"""The embedding model compiled by OpenVINO for queries: the same weights, five times faster on a 2-core CPU.

Exported once from the sentence-transformers model (torch → ONNX → OpenVINO IR, with mean pooling and
normalisation inside the graph), checked against torch, saved in the models folder, then loaded at start-up.
Only OpenVINO's runtime is used: its converter (`openvino.convert_model`, `ovc`) sends telemetry.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.errors import ModelUnavailable

# The exported model must give torch's vectors, up to bf16 rounding (measured: cosine ≥ 0.99998 for E5).
AGREEMENT = 0.999
_CHECK_TEXTS = [
    "query: Can a State push migrants back to Belarus without examining their asylum requests?",
    "passage: The Court reiterates that Article 3 of the Convention enshrines one of the most fundamental values.",
    "Straż Graniczna zawróciła grupę migrantów na Białoruś.",
    "Суд нагадує, що держави мають право контролювати в'їзд іноземців.",
]


class OpenVINOEncoder:
    """Encodes texts with an OpenVINO build of a sentence-transformers model (mean-pooled and normalised)."""

    def __init__(
        self, model_folder: Path, folder: Path, torch_model: Callable[[], object], max_tokens: int, bf16: bool,
        threads: int | None = None,
    ):
        """The build of the model in `model_folder` is read from `folder`, or made there once from the torch model
        (`torch_model()` loads it: only then is torch needed)."""
        import openvino as ov
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
        pad = json.loads((model_folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id(pad), pad_token=pad)
        self._tokenizer.enable_truncation(max_length=max_tokens)
        path = folder / "model.xml"
        if not path.exists():
            _build(torch_model(), folder)
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        try:
            self._compiled = ov.Core().compile_model(str(path), "CPU", config)
        except RuntimeError as error:
            raise ModelUnavailable(f"OpenVINO could not load {path} ({error}); delete that folder to rebuild it") from None
        self._request = self._compiled.create_infer_request()
        self._lock = threading.Lock()  # one infer request, shared by the web app's threads

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors of `texts`, one batch."""
        encodings = self._tokenizer.encode_batch(texts)
        inputs = {
            "input_ids": np.array([encoding.ids for encoding in encodings], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64),
        }
        with self._lock:
            vectors = self._request.infer(inputs)[0]
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _build(model, folder: Path) -> None:
    """Export `model` to ONNX with torch, save it as OpenVINO IR in `folder` (whole or not at all), and check
    that it encodes as torch does."""
    import openvino as ov
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    example = model.tokenizer(_CHECK_TEXTS[:2], padding=True, return_tensors="pt")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{folder.name}-") as work:
        onnx_path, built = Path(work) / "model.onnx", Path(work) / "built"
        with warnings.catch_warnings():  # the tracer's notes on Python branches in the model: none apply here
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(model[0].auto_model.eval()), (example["input_ids"], example["attention_mask"]), str(onnx_path),
                input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "embedding": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        built.mkdir()
        ov.save_model(ov.Core().read_model(str(onnx_path)), str(built / "model.xml"), compress_to_fp16=False)
        _check(model, built)
        try:
            built.rename(folder)
        except OSError:
            if not (folder / "model.xml").exists():  # else another process built it meanwhile
                raise


def _check(model, built: Path) -> None:
    import openvino as ov

    compiled = ov.Core().compile_model(str(built / "model.xml"), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    tokens = model.tokenizer(_CHECK_TEXTS, padding=True, return_tensors="np")
    ours = compiled({"input_ids": tokens["input_ids"], "attention_mask": tokens["attention_mask"]})[0]
    theirs = model.encode(_CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    agreement = float((ours * theirs).sum(axis=1).min())
    if agreement < AGREEMENT:
        shutil.rmtree(built, ignore_errors=True)
        raise ModelUnavailable(f"the OpenVINO build of the model disagrees with torch (cosine {agreement:.4f})")
