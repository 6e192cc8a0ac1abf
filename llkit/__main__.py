"""``python -m llkit`` runs the command line."""

import sys

from llkit.cli import main

sys.exit(main())
