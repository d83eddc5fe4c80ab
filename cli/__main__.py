"""``python -m openeo_grid_jobs.cli``: the command without its console script."""

import sys

from .main import main

sys.exit(main())
