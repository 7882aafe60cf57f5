"""Evaluation: exact batched completion log-probs, preference and generation accuracy."""

from __future__ import annotations

import copy
import string

import pytest
import torch

transformers = pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from dpalogic.errors import DataError  # noqa: E402
from dpalogic.training.data import builtin_dataset  # noqa: E402
from dpalogic.training.evaluate import (  # noqa: E402
    completion_logps,
    encode_completion,
    encode_prompt,
    generate_greedy,
    generation_accuracy,
    preference_accuracy,
    sequence_logps,
)

CHAT = (
    "{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}"
    "{% if m['role'] == 'assistant' %}{{ eos_token }}{% endif %}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
)


def char_tokenizer() -> transformers.PreTrainedTokenizerFast:
    """A character-level tokenizer (~100 tokens) that prepends <bos>, like Llama's."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

    specials = ["<pad>", "<bos>", "<eos>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials + sorted(set(string.printable)))}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    backend.post_processor = processors.TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", vocab["<bos>"])]
    )
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
    )
    tok.chat_template = CHAT
    return tok


@pytest.fixture(scope="module")
def tiny() -> tuple[torch.nn.Module, transformers.PreTrainedTokenizerFast]:
    tok = char_tokenizer()
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    model = transformers.LlamaForCausalLM(config).eval()
    return model, tok


def one_by_one(model, tok, prompt, completion) -> tuple[float, int]:
    """Reference: unpadded forward pass of a single pair, log-softmax summed by a loop."""
    p, c = encode_completion(tok, prompt, completion)
    ids = torch.tensor([p + c])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0].double()
    total = 0.0
    for k in range(len(p), len(p) + len(c)):
        total += float(torch.log_softmax(logits[k - 1], -1)[ids[0, k]])
    return total, len(c)


def test_tokenisation_follows_trl(tiny):
    _, tok = tiny
    p, c = encode_completion(tok, "What is 2+2?\nAnswer:", " 4")
    assert tok.decode(p) == "<bos>What is 2+2?\nAnswer:"
    assert tok.decode(c) == " 4<eos>"  # TRL appends EOS to standard completions
    p, c = encode_completion(
        tok, [{"role": "user", "content": "hi"}], [{"role": "assistant", "content": "4"}]
    )
    assert tok.decode(p).endswith("[assistant]")
    assert tok.decode(c).startswith("4<eos>")
    assert encode_prompt(tok, [{"role": "user", "content": "hi"}]) == p


def test_batched_equals_one_by_one(tiny):
    model, tok = tiny
    data = builtin_dataset(n_train=0, n_validation=0, n_test=6, seed=3)["test"]
    prompts = list(data["prompt"])
    completions = list(data["chosen"])
    # very different lengths in one batch, so padding really happens
    prompts.append("x")
    completions.append(" a much longer completion than the others, with padding")
    sums, lengths = sequence_logps(model, tok, prompts, completions, batch_size=4)
    ref = [one_by_one(model, tok, p, c) for p, c in zip(prompts, completions, strict=True)]
    assert lengths.tolist() == [n for _, n in ref]
    torch.testing.assert_close(sums, torch.tensor([s for s, _ in ref]), atol=1e-4, rtol=1e-5)
    mean = completion_logps(model, tok, prompts, completions, batch_size=3, length_normalize=True)
    torch.testing.assert_close(mean, sums / lengths, atol=1e-4, rtol=1e-5)
    assert (sums < 0).all()


def test_batch_size_does_not_change_values_conversational(tiny):
    model, tok = tiny
    data = builtin_dataset(n_train=0, n_validation=0, n_test=6, seed=1, conversational=True)
    rows = data["test"]
    a = completion_logps(model, tok, rows["prompt"], rows["rejected"], batch_size=1)
    b = completion_logps(model, tok, rows["prompt"], rows["rejected"], batch_size=6)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-5)


def test_preference_accuracy_counts_pairs(tiny):
    model, tok = tiny
    rows = list(builtin_dataset(n_train=0, n_validation=0, n_test=6, seed=0)["test"])
    res = preference_accuracy(model, tok, rows, batch_size=5)
    assert res["n"] == 6
    chosen = completion_logps(model, tok, [r["prompt"] for r in rows], [r["chosen"] for r in rows])
    rejected = completion_logps(
        model, tok, [r["prompt"] for r in rows], [r["rejected"] for r in rows]
    )
    assert res["accuracy"] == pytest.approx(float((chosen > rejected).float().mean()))
    assert res["mean_margin"] == pytest.approx(float((chosen - rejected).mean()), abs=1e-5)
    # swapping chosen and rejected flips every strict win into a loss
    swapped = [{**r, "chosen": r["rejected"], "rejected": r["chosen"]} for r in rows]
    res2 = preference_accuracy(model, tok, swapped)
    ties = float((chosen == rejected).float().mean())
    assert res["accuracy"] + res2["accuracy"] == pytest.approx(1.0 - ties)


def test_generation_is_batch_invariant(tiny):
    model, tok = tiny
    prompts = ["What is 2+2?\nAnswer:", "Hi", [{"role": "user", "content": "Reverse abc."}]]
    one = [generate_greedy(model, tok, [p], max_new_tokens=3)[0] for p in prompts]
    batched = generate_greedy(model, tok, prompts, max_new_tokens=3, batch_size=3)
    assert one == batched


class OracleModel(torch.nn.Module):
    """Wraps a model; generate() appends the chosen completion of the prompt it recognises."""

    def __init__(self, model, tok, answers: dict[tuple[int, ...], str]):
        super().__init__()
        self.inner, self.tok, self.answers = model, tok, answers

    def generate(self, input_ids, attention_mask, max_new_tokens, **_):
        rows = []
        for ids, mask in zip(input_ids, attention_mask, strict=True):
            key = tuple(ids[mask.bool()].tolist())
            new = self.tok(text=self.answers[key], add_special_tokens=False)["input_ids"]
            rows.append(new[:max_new_tokens])
        width = max(len(r) for r in rows)
        pad = self.tok.pad_token_id
        tail = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
        return torch.cat([input_ids, tail], dim=1)


def test_generation_accuracy_scores_with_verifier(tiny):
    model, tok = tiny
    rows = list(builtin_dataset(n_train=0, n_validation=0, n_test=18, seed=5)["test"])
    # the oracle answers correctly on even rows and with the rejected mistake on odd rows
    answers = {
        tuple(encode_prompt(tok, r["prompt"])): (r["chosen"] if i % 2 == 0 else r["rejected"])
        + "\nand then rambles on"
        for i, r in enumerate(rows)
    }
    res = generation_accuracy(OracleModel(model, tok, answers), tok, rows, batch_size=4)
    assert res["n"] == 18
    assert res["accuracy"] == pytest.approx(9 / 18)
    assert sum(v["n"] for v in res["per_task"].values()) == 18
    assert [s["correct"] for s in res["samples"]] == [i % 2 == 0 for i in range(8)]
    limited = generation_accuracy(OracleModel(model, tok, answers), tok, rows, limit=4)
    assert limited["n"] == 4 and limited["accuracy"] == pytest.approx(0.5)


def test_generation_accuracy_real_model_runs(tiny):
    model, tok = tiny
    rows = builtin_dataset(n_train=0, n_validation=0, n_test=4, seed=0)["test"]
    res = generation_accuracy(model, tok, rows, max_new_tokens=4)
    assert res["n"] == 4 and 0.0 <= res["accuracy"] <= 1.0
    assert set(res["samples"][0]) == {"task", "prompt", "answer", "completion", "correct"}


def test_rows_without_task_are_skipped(tiny):
    model, tok = tiny
    res = generation_accuracy(model, tok, [{"prompt": "a", "chosen": "b", "rejected": "c"}])
    assert res == {"accuracy": None, "per_task": {}, "n": 0, "samples": []}


def test_bad_inputs(tiny):
    model, tok = tiny
    with pytest.raises(DataError, match="prompts but"):
        completion_logps(model, tok, ["a"], ["b", "c"])
    with pytest.raises(DataError, match="string completion"):
        completion_logps(model, tok, ["a"], [[{"role": "assistant", "content": "b"}]])
    with pytest.raises(DataError, match="one split"):
        preference_accuracy(model, tok, builtin_dataset(n_train=2, n_validation=1, n_test=1))


def test_restores_training_mode(tiny):
    model, tok = tiny
    model.train()
    try:
        completion_logps(model, tok, ["a"], [" b"])
        assert model.training
    finally:
        model.eval()


def test_works_with_load_model_tiny():
    models = pytest.importorskip("dpalogic.training.models")
    model, tok = models.load_model("tiny", seed=0)
    rows = builtin_dataset(n_train=0, n_validation=0, n_test=4, seed=0, conversational=True)
    res = preference_accuracy(model, tok, rows["test"])
    assert res["n"] == 4
    a = completion_logps(model, tok, rows["test"]["prompt"], rows["test"]["chosen"], batch_size=1)
    b = completion_logps(model, tok, rows["test"]["prompt"], rows["test"]["chosen"], batch_size=4)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("conversational", [False, True])
def test_token_parity_with_trl_dpo_trainer(tiny, tmp_path, conversational):
    """encode_completion gives the prompt / completion ids trl.DPOTrainer's preprocessing gives."""
    trl = pytest.importorskip("trl")
    model, tok = tiny
    data = builtin_dataset(
        n_train=6, n_validation=0, n_test=0, seed=2, conversational=conversational
    )["train"]
    args = trl.DPOConfig(
        output_dir=str(tmp_path),
        bf16=False,
        use_cpu=True,
        report_to="none",
        max_length=None,
    )
    trainer = trl.DPOTrainer(  # copies: the trainer may change the shared fixture's model
        model=copy.deepcopy(model),
        ref_model=copy.deepcopy(model),
        args=args,
        train_dataset=data,
        processing_class=tok,
    )
    for row, processed in zip(data, trainer.train_dataset, strict=True):
        p, c = encode_completion(tok, row["prompt"], row["chosen"])
        _, r = encode_completion(tok, row["prompt"], row["rejected"])
        assert processed["prompt_ids"] == p
        assert processed["chosen_ids"] == c
        assert processed["rejected_ids"] == r
