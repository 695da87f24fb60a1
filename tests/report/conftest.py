"""Fixtures of the report tests: seeded input tables (see ``sample_tables``)."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_tables import make_tables


@pytest.fixture(scope="session")
def tables() -> dict[str, pd.DataFrame]:
    return make_tables()
