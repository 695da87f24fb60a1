"""The time-unit and single-date options the CLV models and RFM read.

Apart from :mod:`cxexcel.metrics.clv_models`, so that reading them (as
:mod:`cxexcel.metrics.summaries` does for the engine) does not import
scipy with the models.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from . import _inputs
from .cohorts import choice, read_rows

#: Days per time unit: "D" days, "W" weeks, "M" average months.
UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def unit_length(unit) -> float:
    """Days per ``unit`` ("D", "W" or "M"; weeks when blank)."""
    code = choice("unit", unit, UNITS, default="W")
    if code is None:
        raise InputError("unit", 'must be "D" (days), "W" (weeks) or "M" (months)', unit)
    return UNITS[code]


def one_day(name: str, value) -> int:
    """Argument ``name``, a single date, as whole days since 1970-01-01."""
    items = _inputs.flatten(value)
    if len(items) != 1:
        raise InputError(name, f"must be a single date, not a range of {len(items)} cells")
    day = read_rows(**{name: ("date", items)})[name]
    return int(day.astype("datetime64[D]").astype(np.int64)[0])
