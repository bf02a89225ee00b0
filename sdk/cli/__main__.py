"""`python -m decompte.sdk.cli`: the headless commands only (the `decompte` console script
also opens the app when no command is given)."""

import sys

from . import main

sys.exit(main())
