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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .schema import SCHEMAS, normalise_name

__all__ = ["Profile", "register", "recognise", "profiles"]


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

    def matches(self, header: Iterable) -> bool:
        keys = {normalise_name(cell) for cell in header}
        return all(normalise_name(name) in keys for name in self.headers)


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


def recognise(header: Iterable, name: str | None = None) -> Profile | None:
    """The profile ``header`` (a table's header cells) is an export of, or
    None. ``name``, the input table a file or sheet is named after, wins
    when the header already holds that table's required columns."""
    header = list(header)
    if name in SCHEMAS and _holds(header, SCHEMAS[name].required):
        return None
    found = [p for p in profiles() if p.matches(header)]
    if not found:
        return None
    return max(found, key=lambda p: (p.priority, len(p.headers)))


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
_PROFILE_MODULES: list[str] = ["cxexcel.tables.billing_profiles"]
