"""``python -m dpalogic`` runs the CLI."""

import sys

from dpalogic.cli import main

sys.exit(main())
