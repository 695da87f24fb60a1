"""``python -m cxexcel``: the same as the ``cxexcel`` command."""

from .cli import run

run()
