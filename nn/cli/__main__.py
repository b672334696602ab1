"""`python -m nn.cli …` is the `chainrule` command."""

import sys

from . import main

sys.exit(main())
