"""User-facing errors. The CLI prints any :class:`DPALogicError` as one line and exits non-zero."""

from __future__ import annotations


class DPALogicError(ValueError):
    """Base class for every error caused by bad user input (formulas, losses, data, options)."""


class FormulaSyntaxError(DPALogicError):
    """A malformed formula; ``position`` is the 0-based character offset of the problem."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.text = text
        self.position = position
        pointer = f"{text}\n{' ' * position}^"
        super().__init__(f"{message} at position {position}\n{pointer}")

    @property
    def short(self) -> str:
        """The message without the caret diagram (for one-line CLI output)."""
        return str(self).split("\n", 1)[0]


class UnknownVariableError(DPALogicError):
    """A formula or loss mentions a proposition the context does not know."""


class DecompileError(DPALogicError):
    """A loss expression that no preference structure expresses; the message names the reason."""


class DataError(DPALogicError):
    """Bad preference data; the message names the row and the column."""
