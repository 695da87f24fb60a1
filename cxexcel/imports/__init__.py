"""Other tools' exports read as cxexcel's input tables (import profiles, one
module per tool family), and a user's own mapping for everything else.

Importing the package registers the profiles with
:mod:`cxexcel.tables.profiles`; docs/imports.md describes each.
"""

from __future__ import annotations

from . import analytics, commerce, email, surveys  # noqa: F401  (register profiles)
from .mapping import Mapping, load_mapping

__all__ = ["Mapping", "load_mapping"]
