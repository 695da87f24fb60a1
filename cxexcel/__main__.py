"""``python -m cxexcel``: the same as the ``cxexcel`` command."""

import sys

from .cli import main

sys.exit(main())
