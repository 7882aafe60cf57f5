"""Training layer: TRL integration (trainer subclass), models, built-in data, evaluation, plots.

Nothing heavy is imported here: ``import dpalogic`` must not import transformers or trl.
"""
