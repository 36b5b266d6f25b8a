"""``python -m klstats`` runs the command line (same as the ``klstats`` script)."""

import sys

from ._cli import main

sys.exit(main())
