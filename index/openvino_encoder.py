"""The embedding model compiled by OpenVINO for queries: the same weights, five times faster on a 2-core CPU.

Exported once from the sentence-transformers model (torch → ONNX → OpenVINO IR, with mean pooling and
normalisation inside the graph), checked against torch, saved in the models folder, then loaded at start-up.
Only OpenVINO's runtime is used: its converter (`openvino.convert_model`, `ovc`) sends telemetry.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import warnings
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

    def __init__(self, model, folder: Path, bf16: bool, threads: int | None = None):
        """`model` is the loaded SentenceTransformer; its build is made once in `folder`, or read from there."""
        import openvino as ov

        self._tokenizer = model.tokenizer
        self._max_tokens = int(model.max_seq_length)
        path = folder / "model.xml"
        if not path.exists():
            _build(model, folder)
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
        tokens = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_tokens, return_tensors="np")
        inputs = {"input_ids": tokens["input_ids"], "attention_mask": tokens["attention_mask"]}
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
