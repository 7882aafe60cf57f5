"""The ``dpalogic`` command line: a thin typer shell over the library.

Each command group lives in its own module exposing ``register(app)``; this module only assembles
them and turns user errors (:class:`dpalogic.errors.DPALogicError`) into a one-line message and a
non-zero exit status.
"""

from __future__ import annotations

import importlib
import sys

import typer

from dpalogic.errors import DPALogicError

app = typer.Typer(
    name="dpalogic",
    help="The logic of direct preference alignment, executable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command modules, in the order their commands appear in ``--help``.
COMMAND_MODULES = ("explain", "decompile", "zoo", "landscape", "census", "train", "sweep")

for _name in COMMAND_MODULES:
    importlib.import_module(f"dpalogic.cli.{_name}").register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become ``dpalogic: error: <one line>`` on stderr and exit code 1."""
    try:
        app(args=argv, standalone_mode=False)
    except DPALogicError as err:
        message = getattr(err, "short", None) or str(err).splitlines()[0]
        print(f"dpalogic: error: {message}", file=sys.stderr)
        return 1
    except (typer.Exit, SystemExit) as err:  # --help, explicit exits
        code = getattr(err, "exit_code", getattr(err, "code", 0))
        return int(code or 0)
    except typer.Abort:
        print("dpalogic: aborted", file=sys.stderr)
        return 1
    except Exception as err:  # click usage errors and the like
        import click

        if isinstance(err, click.ClickException):
            print(f"dpalogic: error: {err.format_message()}", file=sys.stderr)
            return 2
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
