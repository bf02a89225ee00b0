"""`python -m sdk.cli`: the same as the `decompte` command."""

import sys

from . import main

sys.exit(main())
