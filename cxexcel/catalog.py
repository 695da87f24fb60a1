"""The catalogue: every metric's Excel name, help text, arguments and worked examples.

The Excel registration (``udfs/``), the README's function reference and the
catalogue tests are all made from this one registry, so they cannot drift.
Each entry points at a function of the pure core in ``cxexcel.metrics``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

NAMESPACE = "CX"

ArgKind = Literal["range", "value", "dates", "text"]
"""How Excel hands an argument over: ``range`` a block of cells (numbers),
``value`` a single number, ``dates`` a range of dates (serial numbers in
Excel), ``text`` a single piece of text or a range of labels/ids."""


@dataclass(frozen=True)
class Arg:
    """One argument as the function wizard shows it."""

    name: str
    description: str
    kind: ArgKind = "range"
    optional: bool = False
    default: object = None


@dataclass(frozen=True)
class Example:
    """A worked example: core arguments, the expected result, and where it comes from.

    For a table result, ``expected`` is its header row and rows; with
    ``partial`` it holds the header and only the first rows of a longer table.
    """

    args: tuple
    expected: object
    source: str = ""
    tolerance: float = 1e-9
    partial: bool = False


@dataclass(frozen=True)
class Function:
    """A catalogue entry: one ``=CX.NAME(...)`` function backed by one core function."""

    name: str
    function: Callable
    summary: str
    args: tuple[Arg, ...]
    category: str
    examples: tuple[Example, ...] = field(default=())
    returns: Literal["value", "table"] = "value"

    @property
    def excel_name(self) -> str:
        """The name typed in Excel, e.g. ``CX.NPS``."""
        return f"{NAMESPACE}.{self.name}"

    @property
    def python_name(self) -> str:
        """The Python name of the Excel function, e.g. ``nps``."""
        return self.name.lower()

    @property
    def signature(self) -> str:
        """``CX.NPS(scores, [promoter_min], [detractor_max])`` as shown in the docs."""
        parts = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        return f"{self.excel_name}({', '.join(parts)})"


CATEGORIES = ("Survey", "Customers", "Revenue", "Table analytics")

_REGISTRY: dict[str, Function] = {}


def register(
    name: str,
    function: Callable,
    summary: str,
    args: list[tuple] | tuple,
    category: str,
    examples: tuple[Example, ...] = (),
    returns: Literal["value", "table"] = "value",
) -> Function:
    """Add a function to the catalogue; ``args`` are ``(name, description[, kind])``
    tuples whose names, order and defaults must match the core function."""
    if category not in CATEGORIES:
        raise ValueError(f"{name}: unknown category {category!r}")
    parameters = list(inspect.signature(function).parameters.values())
    if [p.name for p in parameters] != [a[0] for a in args]:
        raise ValueError(f"{name}: catalogue arguments do not match {function.__qualname__}")
    built = []
    for parameter, (arg_name, description, *kind) in zip(parameters, args, strict=True):
        optional = parameter.default is not inspect.Parameter.empty
        built.append(
            Arg(
                arg_name,
                description,
                kind[0] if kind else "range",
                optional,
                parameter.default if optional else None,
            )
        )
    entry = Function(name, function, summary, tuple(built), category, tuple(examples), returns)
    if name in _REGISTRY:
        raise ValueError(f"{name} is registered twice")
    _REGISTRY[name] = entry
    return entry


def functions() -> list[Function]:
    """Every catalogue entry, in catalogue order: by category, then as registered."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda entry: CATEGORIES.index(entry.category))


def get(name: str) -> Function:
    """The entry for an Excel name with or without the namespace (``NPS``, ``CX.NPS``)."""
    _load()
    key = name.upper().removeprefix(f"{NAMESPACE}.")
    return _REGISTRY[key]


def _load() -> None:
    # The entries live beside the metrics they describe; importing them registers them.
    from . import _entries, _entries_billing, _entries_intervals, _entries_retention  # noqa: F401
