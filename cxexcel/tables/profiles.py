"""Import profiles: another tool's export, recognised by its header, becomes
an input table.

A profile names the export as a user knows it ("Stripe subscriptions
export"), the input table it becomes, the header names that identify it and
a ``convert`` function that turns the found table (a ``RawTable`` with the
export's own header and cells) into a ``RawTable`` of that input table,
adding to its ``notes`` what the user should read ("Stripe subscriptions
export -> ..., 420 subscriptions, USD"). Packages register their profiles
with :func:`register` when imported; :func:`recognise` picks the most
specific profile whose identifying headers are all present.

A table whose header already holds every required column of the table its
name names is read as that table: profiles are for exports, not for tables
already in cxexcel's shape.

Some exports are told apart by more than their header (SurveyMonkey's second
header row, Qualtrics' third): a profile's optional ``shape`` looks at the
first rows (header first) where they are at hand. A mapping (a user's own
rules, :func:`using`) is asked first, by the file or sheet name too.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .schema import SCHEMAS, normalise_name

__all__ = ["Profile", "register", "recognise", "profiles", "using"]


@dataclass(frozen=True)
class Profile:
    """An export cxexcel knows: ``name`` as the user knows it, the input
    ``table`` it becomes, the ``headers`` that identify it (all must be
    present; matched like any header: case, spaces, ``_`` and ``-``
    ignored) and ``convert``, from the found table to that input table."""

    name: str
    table: str
    headers: tuple[str, ...]
    convert: Callable
    #: Among profiles whose headers all match, the higher wins; then the one
    #: with more identifying headers.
    priority: int = 0
    #: Optional: ``shape(rows)`` is True if the first rows (the header row
    #: first, then a few body rows, as found) are this export's; asked only
    #: when the rows are at hand and the headers match.
    shape: Callable | None = None

    def matches(self, header: Iterable, rows: list | None = None) -> bool:
        keys = {normalise_name(cell) for cell in header}
        if not all(normalise_name(name) in keys for name in self.headers):
            return False
        return self.shape is None or rows is None or bool(self.shape(rows))


_PROFILES: list[Profile] = []
_LOADED = False


def register(profile: Profile) -> Profile:
    """Add ``profile`` (once; a profile of the same name is replaced)."""
    _PROFILES[:] = [p for p in _PROFILES if p.name != profile.name]
    _PROFILES.append(profile)
    return profile


def profiles() -> tuple[Profile, ...]:
    """Every registered profile (the packages that define them are imported first)."""
    _load()
    return tuple(_PROFILES)


def recognise(
    header: Iterable, name: str | None = None, rows: list | None = None, source: str | None = None
) -> Profile | None:
    """The profile ``header`` (a table's header cells) is an export of, or
    None. ``name``, the input table a file or sheet is named after, wins
    when the header already holds that table's required columns. ``rows``,
    the first rows (header first) if at hand, let a profile's ``shape``
    decide; ``source``, the file or sheet name, is for a mapping's rules."""
    header = list(header)
    for mapping in _MAPPINGS.get():
        ruled = mapping.profile_for(source, header)
        if ruled is not None:
            return ruled
    if name in SCHEMAS and _holds(header, SCHEMAS[name].required):
        return None
    found = [p for p in profiles() if p.matches(header, rows)]
    if not found:
        return None
    return max(found, key=lambda p: (p.priority, len(p.headers)))


_MAPPINGS: contextvars.ContextVar[tuple] = contextvars.ContextVar("mappings", default=())


@contextlib.contextmanager
def using(*mappings):
    """Within the block, ``recognise`` asks each of ``mappings`` first: an
    object whose ``profile_for(source, header)`` gives the Profile of a
    file or sheet its rules name, or None."""
    token = _MAPPINGS.set(_MAPPINGS.get() + tuple(m for m in mappings if m is not None))
    try:
        yield
    finally:
        _MAPPINGS.reset(token)


def encoding_for(source: str | None) -> str | None:
    """The CSV encoding a mapping in use sets for the file ``source``, if any."""
    for mapping in _MAPPINGS.get():
        encoding = getattr(mapping, "encoding_for", lambda source: None)(source)
        if encoding:
            return encoding
    return None


def _holds(header: list, columns: list[str]) -> bool:
    keys = {normalise_name(cell) for cell in header}
    return all(normalise_name(column) in keys for column in columns)


def _load() -> None:
    """Import the modules that register profiles (late: they import tables)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for module in _PROFILE_MODULES:
        importlib.import_module(module)


#: Modules whose import registers profiles; each package adds its own.
_PROFILE_MODULES: list[str] = ["cxexcel.imports", "cxexcel.tables.billing_profiles"]
