"""The limits that keep a hostile input file cheap to refuse.

Each limit is a module constant (the default) that an environment variable
``CXEXCEL_<NAME>`` overrides, read each time a file is opened, so a server
or a test can change it without code: ``CXEXCEL_MAX_CSV_BYTES=2G``. Sizes
take an optional ``K``, ``M`` or ``G`` suffix (powers of 1024).
"""

from __future__ import annotations

import os
import re

from ..errors import SourceError

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

#: Parts (files) in one workbook's zip; Excel writes tens, rarely thousands.
MAX_ZIP_ENTRIES = 10_000
#: Size of the zip's central directory (its list of parts).
MAX_ZIP_DIRECTORY_BYTES = 16 * MiB
#: Unpacked size of any one part of a workbook.
MAX_PART_BYTES = 512 * MiB
#: Unpacked size of all the parts of a workbook together.
MAX_UNZIPPED_BYTES = 1 * GiB
#: Unpacked : packed size of a part larger than RATIO_FLOOR_BYTES; sheet
#: XML packs about 10:1 to 30:1, a zip bomb hundreds to a thousand to one.
MAX_ZIP_RATIO = 100
#: Parts smaller than this unpacked are not held to MAX_ZIP_RATIO.
RATIO_FLOOR_BYTES = 8 * MiB
#: Size of a CSV file on disk.
MAX_CSV_BYTES = 1 * GiB
#: Characters in one line of a CSV file.
MAX_CSV_LINE = 1 * MiB
#: Columns in a CSV header (Excel's own limit is 16,384).
MAX_COLUMNS = 16_384

_UNITS = {"": 1, "K": KiB, "M": MiB, "G": GiB}
_SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)


def limit(name: str) -> int:
    """The current value of the limit ``name`` (e.g. ``"MAX_CSV_BYTES"``):
    ``CXEXCEL_<name>`` from the environment if set, else the module default."""
    variable = f"CXEXCEL_{name}"
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return int(globals()[name])
    match = _SIZE.fullmatch(text)
    if match is None:
        raise SourceError(
            f"{variable}={text!r} is not a size: use a whole number, optionally with K, M or G "
            "(e.g. 512M)"
        )
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def setting(name: str) -> str:
    """The environment variable that sets the limit ``name``."""
    return f"CXEXCEL_{name}"


def show_size(size: int) -> str:
    """A byte count as a person reads it: ``512 MiB``, ``6.1 MiB``."""
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"
    return f"{size} bytes"
