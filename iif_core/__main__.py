"""Run the command line with `python -m iif_core`."""

import sys

from iif_core.cli import main

sys.exit(main())
