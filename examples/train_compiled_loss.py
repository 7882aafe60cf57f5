"""Train with a loss written as a logic program, two ways (runs in well under a minute on a CPU).

1. the one-call route: ``dpalogic.training.run.train(TrainConfig(...))`` writes a run directory
   (config, metrics, before/after evaluation, training-dynamics figure);
2. the TRL route: ``CompiledLossTrainer`` is a ``trl.DPOTrainer`` whose loss is any compiled
   program, for users who already have a TRL training script.

    .venv/bin/python examples/train_compiled_loss.py
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import dpalogic
from dpalogic.training.data import load_preferences
from dpalogic.training.models import load_model
from dpalogic.training.run import TrainConfig, train
from dpalogic.training.trainer import CompiledLossTrainer, make_dpo_config

# A loss that needs no reference model: "whenever the model deems the loser valid, it deems the
# winner valid too", conditioned on one of the two being valid (the novel cCPO-like family).
PROGRAM = "P = Implies(M(x,yl), M(x,yw)); PC = Or(M(x,yw), M(x,yl))"


def one_call(out: str) -> None:
    config = TrainConfig(loss=PROGRAM, model="tiny", steps=8, batch_size=4, lr=1e-3,
                         n_train=64, n_test=16, max_length=64, generation_limit=4,
                         max_new_tokens=8, out=out)
    result = train(config)  # progress bar, then a before/after summary table
    print("held-out preference accuracy:",
          result.before["preference"]["accuracy"], "->", result.after["preference"]["accuracy"])
    print("files:", sorted(p.name for p in result.out.iterdir()))


def with_trl(out: str) -> None:
    loss = dpalogic.compile(PROGRAM, beta=1.0)
    print("compiled:", loss.structure, "| needs a reference model:", loss.requires_reference)
    model, tokenizer = load_model("tiny", seed=0)
    data = load_preferences("builtin", n_train=32, n_validation=0, n_test=8,
                            conversational=True)
    args = make_dpo_config(out, max_steps=4, per_device_train_batch_size=4,
                           learning_rate=1e-3, max_length=64)
    trainer = CompiledLossTrainer(model=model, args=args, train_dataset=data["train"],
                                  processing_class=tokenizer, loss=loss)
    trainer.train()
    last = [h for h in trainer.state.log_history if "loss" in h][-1]
    print("last step:", {k: round(v, 4) for k, v in last.items() if isinstance(v, float)})


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        one_call(os.path.join(tmp, "run"))
        with_trl(os.path.join(tmp, "trl"))
