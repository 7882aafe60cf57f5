"""Tests for dpalogic.training.models (tiny model offline; smollm2 only under -m slow)."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dpalogic.errors import DPALogicError
from dpalogic.training.models import MODELS, build_tiny_tokenizer, cache_dir, load_model


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny tensors: one intra-op thread is fastest, and immune to a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny():
    return load_model("tiny", seed=0)


def test_registry_names() -> None:
    assert {"tiny", "smollm2-135m"} <= set(MODELS)
    assert not MODELS["tiny"].pretrained and MODELS["smollm2-135m"].pretrained


def test_tiny_is_ready_for_trl(tiny) -> None:
    model, tok = tiny
    assert tok.pad_token is not None and tok.pad_token != tok.eos_token
    assert tok.padding_side == "left"
    assert tok.chat_template
    assert model.config.vocab_size == len(tok)
    assert model.config.pad_token_id == tok.pad_token_id
    assert next(model.parameters()).dtype == torch.float32


def test_tiny_is_deterministic_by_seed(tiny) -> None:
    model, _ = tiny
    same, _ = load_model("tiny", seed=0)
    other, _ = load_model("tiny", seed=1)
    a, b, c = (next(m.parameters()) for m in (model, same, other))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_tiny_does_not_touch_global_rng() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    load_model("tiny", seed=7)
    assert torch.equal(torch.rand(3), expected)


def test_tiny_dtype() -> None:
    model, _ = load_model("tiny", dtype=torch.bfloat16)
    assert next(model.parameters()).dtype == torch.bfloat16


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=40))
def test_tiny_tokenizer_roundtrips_any_text(text: str) -> None:
    tok = _TOK
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text


_TOK = build_tiny_tokenizer()


def test_chat_template_prompt_is_prefix_of_full_conversation(tiny) -> None:
    _, tok = tiny
    prompt = [{"role": "user", "content": "What is 2+3?"}]
    full = [*prompt, {"role": "assistant", "content": "5"}]
    p = tok.apply_chat_template(prompt, add_generation_prompt=True, tokenize=False)
    f = tok.apply_chat_template(full, tokenize=False)
    assert f.startswith(p) and f[len(p) :].startswith("5")


def test_tiny_forward_and_generate(tiny) -> None:
    model, tok = tiny
    batch = tok(["ab", "abcd"], return_tensors="pt", padding=True)
    assert batch["attention_mask"][0, 0] == 0  # left padding
    out = model.generate(**batch, max_new_tokens=3, do_sample=False)
    assert out.shape == (2, 4 + 3)


def test_save_and_load_local_folder(tiny, tmp_path) -> None:
    model, tok = tiny
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    again, tok2 = load_model(str(tmp_path))
    assert torch.equal(next(again.parameters()), next(model.parameters()))
    assert tok2.padding_side == "left" and tok2.pad_token == tok.pad_token


@pytest.mark.parametrize("bad", ["", "no-such-model", "./missing/dir", "a/b/c"])
def test_unknown_model_is_a_clear_error(bad: str) -> None:
    with pytest.raises(DPALogicError, match="model"):
        load_model(bad)


def test_hub_id_offline_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DPALogicError, match="offline"):
        load_model("someorg/some-model")


def test_broken_local_folder_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(DPALogicError, match="could not load"):
        load_model(str(tmp_path))


def test_cache_dir_env(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DPALOGIC_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path / "models"


@pytest.mark.slow
def test_smollm2_loads_offline() -> None:
    model, tok = load_model("smollm2-135m")
    n = sum(p.numel() for p in model.parameters())
    assert 130e6 < n < 140e6
    assert tok.chat_template and tok.padding_side == "left" and tok.pad_token is not None
