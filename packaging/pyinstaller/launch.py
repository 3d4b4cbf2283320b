"""The frozen application's entry point: the same ``mlsp-studio`` command."""

import multiprocessing
import sys

from mlsp_studio.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
