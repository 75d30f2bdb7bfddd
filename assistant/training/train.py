"""Training the re-ranker (assistant/rerank.py) on citation pairs: a LoRA adapter on E5's encoder and a scoring
head, with a listwise loss (the cited paragraph against the cited judgment's other paragraphs and look-alikes
of other judgments). Deterministic for a seed; prints its validation scores beside E5's own cosine."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from assistant.rerank import CrossEncoder, encode_pairs, load_encoder
from assistant.training.pairs import Pair

# Where LoRA goes: every linear map (attention and feed-forward) of the encoder's upper half, which decides what
# the pair means; the lower layers, which read words, stay as they are (and backpropagation stops above them).
TARGET_MODULES = ["query", "key", "value", "dense"]
ADAPTED_LAYERS = list(range(6, 12))


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 2
    group: int = 8  # candidates per question: one cited paragraph, the rest negatives
    batch: int = 4  # questions per step
    learning_rate: float = 3e-4
    rank: int = 8
    alpha: int = 16
    seed: int = 0
    bf16: bool = True


@dataclass(frozen=True)
class Scores:
    """Ranking the cited paragraph among a validation question's candidates."""

    pairs: int
    mrr: float
    r1: float

    def __str__(self) -> str:
        return f"MRR {self.mrr:.3f}, r@1 {self.r1:.3f} over {self.pairs} pairs"


def rank_scores(pairs: list[Pair], score: Callable[[str, list[str]], np.ndarray]) -> Scores:
    """MRR and recall@1 of the first cited paragraph among each pair's positives and negatives."""
    reciprocal, first = [], []
    for pair in pairs:
        candidates = list(pair.positives) + list(pair.negatives)
        order = np.argsort(-score(pair.query, candidates), kind="stable")
        rank = 1 + min(int(np.where(order == i)[0][0]) for i in range(len(pair.positives)))
        reciprocal.append(1 / rank)
        first.append(rank == 1)
    return Scores(len(pairs), float(np.mean(reciprocal)), float(np.mean(first)))


def train(pairs: list[Pair], model_folder: Path, out: Path, settings: TrainingSettings = TrainingSettings(),
          log: Callable[[str], None] = print) -> dict:
    """Train on the pairs of the "train" split, save the adapter and head in `out`; the report (also saved)."""
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file

    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    training = [pair for pair in pairs if pair.split == "train"]
    validation = [pair for pair in pairs if pair.split == "validation"]
    encoder, tokenizer = load_encoder(model_folder)
    lora = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=0.1, target_modules=TARGET_MODULES,
                      layers_to_transform=ADAPTED_LAYERS)
    model = CrossEncoder(get_peft_model(encoder, lora))
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.01)
    steps = settings.epochs * ((len(training) + settings.batch - 1) // settings.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, settings.learning_rate, total_steps=steps,
                                                   pct_start=0.1)

    def score(query: str, candidates: list[str]) -> np.ndarray:
        model.eval()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
            return model(**encode_pairs(tokenizer, query, candidates)).float().numpy()

    report: dict = {"pairs": {"train": len(training), "validation": len(validation)},
                    "settings": settings.__dict__, "epochs": []}
    report["before"] = str(rank_scores(validation, score))
    log(f"validation before training (untrained head): {report['before']}")
    rng = random.Random(settings.seed)
    started = time.perf_counter()
    step = 0
    for epoch in range(1, settings.epochs + 1):
        order = training[:]
        rng.shuffle(order)
        for start in range(0, len(order), settings.batch):
            batch = order[start : start + settings.batch]
            queries, passages = [], []
            for pair in batch:
                candidates = [rng.choice(pair.positives), *_fill(pair, order, settings.group - 1, rng)]
                queries += [pair.query] * len(candidates)
                passages += candidates
            model.train()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
                logits = model(**encode_pairs(tokenizer, queries, passages)).float()
            # Listwise: each question's cited paragraph (first of its group) against its negatives.
            loss = torch.nn.functional.cross_entropy(logits.view(len(batch), settings.group),
                                                     torch.zeros(len(batch), dtype=torch.long))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 20 == 0:
                log(f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} ({time.perf_counter() - started:.0f} s)")
        scores = rank_scores(validation, score)
        report["epochs"].append({"epoch": epoch, "validation": str(scores), "mrr": scores.mrr, "r1": scores.r1,
                                 "seconds": round(time.perf_counter() - started)})
        log(f"epoch {epoch}: validation {scores}")
    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(out))  # adapter_model.safetensors, adapter_config.json
    save_file({key: value.contiguous() for key, value in model.head.state_dict().items()},
              str(out / "head.safetensors"))
    report["seconds"] = round(time.perf_counter() - started)
    (out / "training.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _fill(pair: Pair, pool: list[Pair], count: int, rng: random.Random) -> list[str]:
    """`count` negatives: the pair's own, then (if it has too few) cited paragraphs of other questions."""
    negatives = list(pair.negatives[:count])
    while len(negatives) < count:
        other = rng.choice(pool)
        if other.cited != pair.cited:
            negatives.append(rng.choice(other.positives))
    return negatives
