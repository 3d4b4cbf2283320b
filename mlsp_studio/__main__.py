"""``python -m mlsp_studio`` is the command line (what ``torchrun -m mlsp_studio run`` starts)."""

import sys

from .cli import main

sys.exit(main())
