"""The ``CX Summary`` sheet: one row per key figure, beside its target.

The ten main KPIs come first; after them, each further KPI a ``Targets`` row
may name (``TARGET_METRICS``) whose figure the tables allow, taken from the
helpers of the sheet that shows it (:func:`_more_kpis`). A KPI the tables do
not allow has no row, whether or not it has a target.

Each row (a KPI tile) holds the figure, a detail (NPS margin of error,
CLV:CAC rating), the target from the ``Targets`` table, progress towards it
as a live formula with a data bar, and a green/amber/red status formula
coloured by cell-value rules. Progress is measured from the bottom of the
figure's scale: (value - bottom) / (target - bottom), which is value / target
for the figures that cannot be negative and (NPS + 100) / (target + 100) for
NPS (-100..100), so a negative NPS or target compares the right way round. A
target at or below the bottom of the scale is met by any value (100%). For
figures where lower is better (churn, CAC, CAC payback) progress is target / value. Status
is green from 100%, amber from 90%, red below; a cleared target cell leaves
both blank.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import metrics
from . import customers, model, revenue
from ._facts import Facts, figure, month_label
from ._layout import Canvas
from .model import Cell, CellRange, CellValueRule, Column, DataBar, Formula, KpiTile

NAME = "CX Summary"

#: Progress at or above this is green, at or above AMBER amber, else red.
GREEN = 1.0
AMBER = 0.9

HEADERS = (
    "KPI",
    "Value",
    "Detail",
    "Target",
    "Progress",
    "Status",
    "vs prev month",
    "vs last year",
    "Covers",
)
WIDTHS = (24.0, 14.0, 18.0, 14.0, 14.0, 10.0, 14.0, 14.0, 46.0)
CHANGE_COLS = (7, 8)
NOTE_COL = 9

#: How a change shows, by the figure's number format: rates in points,
#: amounts and counts relative, other figures as a difference.
POINTS = '+0.0" pts";-0.0" pts";0.0" pts"'
RELATIVE = "+0.0%;-0.0%;0.0%"
DIFFERENCE = {model.DECIMAL_2: "+0.00;-0.00;0.00", model.NPS: "+0.0;-0.0;0.0"}


@dataclass(frozen=True)
class Kpi:
    """One key figure before it is placed on the sheet."""

    label: str
    keys: tuple[str, ...]  # names it may have in the Targets table
    value: float | None
    number_format: str
    covers: str
    higher_is_better: bool = True
    detail: object = None
    detail_format: str | None = None
    #: Lowest value the figure can take; progress is measured from it.
    bottom: float = 0.0
    #: The figure month by month (the last is the value), for the changes
    #: against the previous month and the same month a year before.
    series: tuple[float | None, ...] = ()


def kpis(facts: Facts) -> list[Kpi]:
    """The key figures the tables allow, in display order."""
    out: list[Kpi] = []
    if facts.has("Responses"):
        out.extend(_survey_kpis(facts))
    if facts.has("Subscriptions"):
        out.extend(_subscription_kpis(facts))
    out.extend(_value_kpis(facts, out))
    out.extend(_more_kpis(facts))
    if facts.has("Subscriptions"):
        out.extend(_recurring_kpis(facts))
    return [kpi for kpi in out if kpi.value is not None]


def _survey_kpis(facts: Facts) -> list[Kpi]:
    survey = facts.survey
    span = f"{month_label(survey.first_date)} - {month_label(survey.last_date)}"
    out = []
    if survey.present("nps"):
        n = survey.answers("nps")
        out.append(
            Kpi(
                "NPS",
                ("nps", "net promoter score"),
                facts.survey_totals["nps"],
                model.NPS,
                f"{n:,} responses, {span}; detail: 95% margin of error",
                detail=facts.survey_totals["nps_moe"],
                detail_format='"± "0.0',
                bottom=-100.0,
            )
        )
    if survey.present("csat"):
        out.append(
            Kpi(
                "CSAT",
                ("csat", "customer satisfaction"),
                facts.survey_totals["csat"],
                model.PERCENT,
                f"top-2-box share of 1-{facts.tops['csat']} ratings, {span}",
            )
        )
    if survey.present("ces"):
        out.append(
            Kpi(
                "CES",
                ("ces", "customer effort score"),
                facts.survey_totals["ces"],
                model.DECIMAL_2,
                f"mean 1-{facts.tops['ces']} ease rating, {span}",
            )
        )
    return out


def _series(values) -> tuple[float | None, ...]:
    return tuple(None if v is None or v != v else float(v) for v in values)


def _subscription_kpis(facts: Facts) -> list[Kpi]:
    months = facts.customer_months
    last = months.iloc[-1]
    latest = month_label(last["month"])
    moves = facts.movements.iloc[-1]
    rates = revenue.movement_rates(facts)
    return [
        Kpi(
            "Churn",
            ("churn", "churn rate", "customer churn"),
            last["churn"],
            model.PERCENT,
            f"{latest}: customers lost / customers at the start",
            higher_is_better=False,
            series=_series(months["churn"]),
        ),
        Kpi(
            "Retention",
            ("retention", "retention rate", "customer retention"),
            last["retention"],
            model.PERCENT,
            f"{latest}: (end - new) / start",
            series=_series(months["retention"]),
        ),
        Kpi(
            "MRR",
            ("mrr",),
            float(last["mrr"]),
            model.CURRENCY,
            f"{latest}",
            series=_series(months["mrr"]),
        ),
        Kpi(
            "NRR",
            ("nrr", "net revenue retention"),
            figure(
                metrics.nrr,
                moves["starting_mrr"],
                moves["expansion"],
                moves["contraction"],
                moves["churned"],
            ),
            model.PERCENT,
            f"{latest} against the month before",
            series=_series(rates["nrr"]),
        ),
    ]


def _recurring_kpis(facts: Facts) -> list[Kpi]:
    """ARR, customers, trailing-12-month NRR and GRR, annualised churn."""
    months = facts.customer_months
    latest = month_label(months["month"].iloc[-1])
    trailing = facts.trailing_retention
    churn = months["churn"].dropna().tail(12)
    out = [
        Kpi(
            "ARR",
            ("arr", "annual recurring revenue"),
            figure(metrics.arr, float(months["mrr"].iloc[-1])),
            model.CURRENCY,
            f"{latest}: 12 x MRR",
            series=_series(12 * months["mrr"]),
        ),
        Kpi(
            "Customers",
            ("customers", "active customers"),
            float(months["end"].iloc[-1]),
            model.INTEGER,
            f"{latest}: customers with MRR",
            series=_series(months["end"]),
        ),
        Kpi(
            "NRR (12 months)",
            ("nrr 12 months", "trailing nrr"),
            trailing["nrr"].iloc[-1],
            model.PERCENT,
            f"{latest}: MRR now of the customers paying 12 months before / their MRR then",
            series=_series(trailing["nrr"]),
        ),
        Kpi(
            "GRR (12 months)",
            ("grr 12 months", "trailing grr"),
            trailing["grr"].iloc[-1],
            model.PERCENT,
            f"{latest}: as NRR (12 months), each customer at most at their MRR then",
            series=_series(trailing["grr"]),
        ),
    ]
    if len(churn):
        out.append(
            Kpi(
                "Annualised churn",
                ("annualised churn", "annualized churn", "annual churn"),
                figure(metrics.annualized_churn, float(churn.mean())),
                model.PERCENT,
                f"1 - (1 - mean monthly churn of the last {len(churn)} months) ^ 12",
                higher_is_better=False,
            )
        )
    return [kpi for kpi in out if kpi.value is not None and kpi.value == kpi.value]


def _value_kpis(facts: Facts, so_far: list[Kpi]) -> list[Kpi]:
    out = []
    clv = None
    if facts.has("Subscriptions") and facts.pooled_churn:
        arpa = facts.customer_months["arpa"].iloc[-1]
        clv = figure(metrics.clv_churn, arpa, facts.pooled_churn)
        out.append(
            Kpi(
                "CLV",
                ("clv", "customer lifetime value", "ltv"),
                clv,
                model.CURRENCY,
                "ARPA of the latest month / average monthly churn",
            )
        )
    cac = None
    if facts.has("Spend"):
        spend = facts.tables["Spend"]
        cac = customers.total_cac(facts)
        out.append(
            Kpi(
                "CAC",
                ("cac", "customer acquisition cost"),
                cac,
                model.CURRENCY,
                f"sales & marketing cost / new customers, all {len(spend)} months of Spend",
                higher_is_better=False,
            )
        )
    if clv is not None and cac is not None and cac > 0:
        out.append(
            Kpi(
                "CLV:CAC",
                ("clv:cac", "clv_cac", "clv cac", "ltv:cac"),
                figure(metrics.clv_cac, clv, cac),
                model.RATIO,
                "3x or more is healthy, about 2x slim, 1x or less a loss",
                detail=figure(metrics.clv_cac_rating, clv, cac),
            )
        )
    return out


def _more_kpis(facts: Facts) -> list[Kpi]:
    """The further KPIs a Targets row may name (``TARGET_METRICS``), after the main ten.

    Each is the figure another sheet shows, from the same helper: repeat rate
    and the engagement rates as on CX Customers (all rows), GRR and quick ratio
    of the latest month as on CX Revenue, CAC payback as on CX Customers. CXI
    needs ratings the tables do not hold, so it has no tile.
    """
    out = []
    if facts.has("Orders"):
        orders = facts.tables["Orders"]
        out.append(
            Kpi(
                "Repeat rate",
                ("repeat rate", "repeat purchase rate"),
                customers.repeat_rate(facts),
                model.PERCENT,
                f"customers with 2+ orders / customers, {len(orders):,} orders",
            )
        )
    if facts.has("Engagement"):
        rates = customers.engagement_totals(facts)
        period = "all months of Engagement"
        out += [
            Kpi(
                "Stickiness",
                ("stickiness", "dau/mau"),
                rates["stickiness"],
                model.PERCENT,
                f"summed DAU / MAU, {period}",
            ),
            Kpi(
                "Open rate",
                ("open rate", "email open rate"),
                rates["open_rate"],
                model.PERCENT,
                f"opens / emails delivered, {period}",
            ),
            Kpi(
                "Click rate",
                ("click rate", "email click rate"),
                rates["click_rate"],
                model.PERCENT,
                f"clicks / emails delivered, {period}",
            ),
        ]
    if facts.has("Subscriptions"):
        latest = month_label(facts.movements["month"].iloc[-1])
        rates = revenue.movement_rates(facts)
        out += [
            Kpi(
                "GRR",
                ("grr", "gross revenue retention"),
                rates["grr"][-1],
                model.PERCENT,
                f"{latest} against the month before",
                series=_series(rates["grr"]),
            ),
            Kpi(
                "Quick ratio",
                ("quick ratio",),
                rates["quick_ratio"][-1],
                model.DECIMAL_2,
                f"{latest}: (new + expansion + reactivation) / (contraction + churned)",
                series=_series(rates["quick_ratio"]),
            ),
        ]
    if facts.has("Spend", "Subscriptions"):
        out.append(
            Kpi(
                "CAC payback",
                ("cac payback", "payback"),
                customers.cac_payback(facts, customers.total_cac(facts)),
                model.MONTHS,
                "CAC / ARPA of the latest month, in months",
                higher_is_better=False,
            )
        )
    return out


def progress_formula(value: str, target: str, higher_is_better: bool, bottom: float = 0.0) -> str:
    """Progress towards the target as an Excel formula over the value and target cells.

    Higher is better: value / target for a positive target, not below 0 (an
    NPS of 6.8 against 30 is 23% of the way, not 82% of the way up from
    -100); for a target at or below 0 on a scale that goes below 0 (NPS),
    (value - bottom) / (target - bottom); 1 when the target is at or below
    ``bottom`` (any value meets it). Lower is better: target / value, 1 for a
    value of 0. Blank when the target cell is.
    """
    if higher_is_better:
        if bottom == 0:
            body = f"IF({target}<=0,1,MAX(0,{value}/{target}))"
        else:
            offset = f"{-bottom:+g}"
            shifted = f"MAX(0,({value}{offset})/({target}{offset}))"
            body = f"IF({target}>0,MAX(0,{value}/{target}),IF({target}<={bottom:g},1,{shifted}))"
    else:
        body = f"IF({value}=0,1,MAX(0,{target}/{value}))"
    return f'=IF({target}="","",{body})'


def expected_progress(
    value: float, target: float, higher_is_better: bool, bottom: float = 0.0
) -> float | str:
    """What :func:`progress_formula` evaluates to, for tests and non-calculating writers."""
    if higher_is_better:
        if target > 0:
            return max(0.0, value / target)
        if target <= bottom:
            return 1.0
        return max(0.0, (value - bottom) / (target - bottom))
    return 1.0 if value == 0 else max(0.0, target / value)


def status_formula(progress: str) -> str:
    return (
        f'=IF({progress}="","",IF({progress}>={GREEN:g},"green",'
        f'IF({progress}>={AMBER:g},"amber","red")))'
    )


def expected_status(progress: float | str) -> str:
    if progress == "":
        return ""
    return "green" if progress >= GREEN else "amber" if progress >= AMBER else "red"


def build(facts: Facts) -> model.Sheet | None:
    """The summary sheet, or None when no key figure can be computed."""
    figures = kpis(facts)
    if not figures:
        return None
    canvas = Canvas(NAME, tab_color="1F3864")
    sources = ", ".join(facts.tables)
    canvas.title(NAME, f"Key customer-experience figures against their targets, from: {sources}.")
    header_row = canvas.row
    canvas.table([Column(h) for h in HEADERS], [], widths=WIDTHS)
    first = header_row + 1
    for row, kpi in enumerate(figures, start=first):
        target = facts.target(kpi.label, *kpi.keys)
        tile = KpiTile(
            row=row,
            label=kpi.label,
            value=kpi.value,
            number_format=kpi.number_format,
            detail=kpi.detail,
            detail_format=kpi.detail_format,
            target=target,
            higher_is_better=kpi.higher_is_better,
            note=kpi.covers,
            note_col=NOTE_COL,
        )
        if target is not None:
            progress = expected_progress(kpi.value, target, kpi.higher_is_better, kpi.bottom)
            tile = _with_progress(tile, progress, kpi.bottom)
        canvas.add(tile)
        for col, change in zip(CHANGE_COLS, changes(kpi), strict=True):
            if change is not None:
                canvas.add(Cell(row, col, change[0], change[1], model.KPI_DETAIL))
    last = first + len(figures) - 1
    progress_cells = CellRange(first, 5, last, 5)
    status_cells = CellRange(first, 6, last, 6)
    canvas.format(DataBar(progress_cells, color="5B9BD5", minimum=0.0, maximum=1.0))
    for status, fill in model.STATUS_COLORS.items():
        canvas.format(CellValueRule(status_cells, "equal", (status,), fill))
    canvas.row = last + 2
    for line in (
        "Progress = value / target (an NPS target at or below 0: (NPS + 100) / (target + 100)); "
        "target / value where lower is better (churn, CAC, CAC payback).",
        "Status: green from 100%, amber from 90%, red below. Targets come from the Targets table.",
        "Changes against the previous month and the same month a year before: rates in points, "
        "amounts and counts in percent.",
    ):
        canvas.add(Cell(canvas.row, 1, line, None, model.NOTE))
        canvas.row += 1
    canvas.freeze = (first, 2)
    return canvas.sheet()


def changes(kpi: Kpi) -> tuple[tuple[float, str] | None, tuple[float, str] | None]:
    """(change, number format) of the figure against the previous month and
    the same month a year before, each None without a figure there."""
    series = kpi.series
    latest = series[-1] if series else None

    def change(back: int) -> tuple[float, str] | None:
        if latest is None or len(series) <= back or series[-1 - back] is None:
            return None
        before = series[-1 - back]
        if kpi.number_format == model.PERCENT:
            return (latest - before) * 100, POINTS
        if kpi.number_format in (model.CURRENCY, model.INTEGER):
            return (latest / before - 1, RELATIVE) if before else None
        return latest - before, DIFFERENCE.get(kpi.number_format, "+0.00;-0.00;0.00")

    return change(1), change(12)


def _with_progress(tile: KpiTile, progress: float | str, bottom: float) -> KpiTile:
    progress_formula_text = progress_formula(
        tile.value_address, tile.target_address, tile.higher_is_better, bottom
    )
    return replace(
        tile,
        progress=Formula(progress_formula_text, progress),
        status=Formula(status_formula(tile.progress_address), expected_status(progress)),
    )
