"""The Subscriptions table derived from billing tables while reading.

When the inputs hold billing data (``BillingSubscriptions`` and/or
``InvoiceLines``, with ``Rates`` and ``Coupons`` where given) and no
Subscriptions table, the engine turns them into one by BILLING.md's rules.
What the user should know (the reporting currency, statuses not counted,
unknown coupons, the snapshot caveat) comes back as notes; the source and
the rules in words ride along in the table's ``attrs["billing"]`` for the
report's CX Revenue sheet.
"""

from __future__ import annotations

import pandas as pd

from ..metrics.billing import BillingSettings

__all__ = ["derive_subscriptions", "billing_settings", "BILLING_SOURCES"]

#: The billing tables MRR is measured from (Rates and Coupons only help).
BILLING_SOURCES = ("BillingSubscriptions", "InvoiceLines")


def derive_subscriptions(
    tables: dict, settings: BillingSettings | None, engine=None, sources: dict | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """(the Subscriptions DataFrame, note lines) from the billing tables in
    ``tables`` (validated DataFrames). ``sources`` names where each table
    came from, for the notes. Raises a ``TableError`` for a currency
    without a rate or a bad interval."""
    from ..engine import connect
    from ..engine.billing import billing_mrr
    from ..report._survey_facts import frame_for_engine

    engine = engine if engine is not None else connect()
    given = {}
    for name in ("BillingSubscriptions", "InvoiceLines", "Rates", "Coupons"):
        if name in tables:
            given[name] = engine.from_frame(name, frame_for_engine(tables[name]))
    result = billing_mrr(
        engine,
        subscriptions=given.get("BillingSubscriptions"),
        invoices=given.get("InvoiceLines"),
        rates=given.get("Rates"),
        coupons=given.get("Coupons"),
        settings=settings,
    )
    frame = result.frame(engine)
    sources = sources or {}
    used = [sources.get(name, name) for name in BILLING_SOURCES if name in tables]
    customers = frame.loc[frame["mrr"] > 0, "customer_id"].nunique()
    span = ""
    if len(frame):
        first, last = frame["month"].min(), frame["month"].max()
        span = f", {first:%Y-%m} to {last:%Y-%m}"
    currency = f", in {result.currency} ({result.currency_reason})" if result.currency else ""
    summary = (
        f"Subscriptions from billing data ({' and '.join(used)}): "
        f"{customers} paying customers{span}{currency}, as of {result.as_of.isoformat()}"
    )
    notes = [summary, *(f"billing: {line}" for line in result.warnings)]
    frame.attrs["billing"] = {
        "source": " and ".join(used),
        "currency": result.currency,
        "as_of": result.as_of.isoformat(),
        "rules": list(result.rules),
        "warnings": list(result.warnings),
    }
    return frame, notes


def billing_settings(config=None, **flags) -> BillingSettings:
    """The billing settings of a TOML file's ``[billing]`` section (``config``,
    a path, or None) with ``flags`` (None: not given) applied over them.
    Raises ``ValueError`` (an ``InputError`` for a bad value) naming the file
    or the setting."""
    from pathlib import Path

    section = {}
    if config is not None:
        import tomllib

        path = Path(config)
        try:
            if path.stat().st_size > 1_000_000:
                raise ValueError(f"{path}: a settings file of more than 1 MB is not one")
            loaded = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"{path}: cannot be read as a TOML settings file ({error})") from None
        section = loaded.get("billing", {})
        if not isinstance(section, dict):
            raise ValueError(f"{path}: [billing] must be a section of settings")
    return BillingSettings.of(section, **flags)
