"""Each import profile: a realistic generated export through `cxexcel report`,
its figures checked against a computation of the generated values."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytest import approx

from cxexcel.cli import main

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "report"))
import exports  # noqa: E402
import sheets  # noqa: E402


def _report(tmp_path, capsys, files: dict[str, str], *options) -> tuple[dict, str]:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    out = tmp_path / "out.xlsx"
    code = main(["report", str(folder), "-o", str(out), *options])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return sheets.kpis(sheets.load(out)["CX Summary"]), captured.err


def _nps(scores) -> float:
    scores = list(scores)
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def _top2(scores) -> float:
    scores = list(scores)
    return sum(s >= 4 for s in scores) / len(scores)


DATA = exports.answers(120, seed=7)


@pytest.mark.parametrize(
    ("tool", "writer", "csat"),
    [
        ("SurveyMonkey", exports.surveymonkey, True),
        ("Qualtrics", exports.qualtrics, True),
        ("Delighted", exports.delighted, False),
        ("Typeform", exports.typeform, False),
    ],
)
def test_survey_exports_give_nps_and_csat(tmp_path, capsys, tool, writer, csat):
    kpis, err = _report(tmp_path, capsys, {f"{tool.lower()}-export.csv": writer(DATA)})
    assert kpis["NPS"]["Value"] == approx(_nps(d[1] for d in DATA))
    if csat:
        assert kpis["CSAT"]["Value"] == approx(_top2(d[2] for d in DATA))
    assert f"{tool.lower()}-export.csv: {tool} export -> Responses, 120 responses" in err
    if tool == "Qualtrics":
        assert "2 unfinished or preview responses left out" in err


def test_hubspot_feedback_splits_nps_and_csat_by_survey_type(tmp_path, capsys):
    kpis, err = _report(tmp_path, capsys, {"feedback.csv": exports.hubspot_feedback(DATA)})
    nps = [d[1] for i, d in enumerate(DATA) if i % 2]
    csat = [d[2] for i, d in enumerate(DATA) if not i % 2]
    assert kpis["NPS"]["Value"] == approx(_nps(nps))
    assert kpis["CSAT"]["Value"] == approx(_top2(csat))
    assert "HubSpot feedback export -> Responses, 120 responses (60 NPS, 60 CSAT)" in err


def test_surveymonkey_dates_are_us_dates(tmp_path, capsys):
    from cxexcel.tables import read_tables

    path = tmp_path / "sm.csv"
    path.write_text(exports.surveymonkey(DATA[:5]), encoding="utf-8")
    dates = read_tables(path)["Responses"]["date"].tolist()
    assert dates == [d[0].replace(second=0) for d in DATA[:5]]


def test_mailchimp_campaigns_give_open_and_click_rates(tmp_path, capsys):
    data = exports.campaigns(25, seed=3)
    kpis, err = _report(tmp_path, capsys, {"campaigns.csv": exports.mailchimp(data)})
    delivered = sum(d[1] for d in data)
    assert kpis["Open rate"]["Value"] == approx(sum(d[2] for d in data) / delivered)
    assert kpis["Click rate"]["Value"] == approx(sum(d[3] for d in data) / delivered)
    days = len({d[0].date() for d in data})
    assert f"Mailchimp export -> Engagement, 25 campaigns on {days} days" in err


def test_mailchimp_rates_alone_give_the_counts(tmp_path):
    from cxexcel.tables import read_tables

    data = exports.campaigns(5, seed=4)
    text = exports.mailchimp(data).replace("Unique Opens", "Opens (not used)")
    path = tmp_path / "mc.csv"
    path.write_text(text, encoding="utf-8")
    notes: list[str] = []
    table = read_tables(path, notes=notes)["Engagement"]
    assert table["opens"].sum() == approx(sum(d[2] for d in data), abs=len(data))
    assert "opens from the rates x deliveries" in notes[0]


def test_shopify_orders_one_per_order_refunds_subtracted(tmp_path, capsys):
    from cxexcel.tables import read_tables

    data = exports.orders(seed=11)
    path = tmp_path / "orders_export_1.csv"
    path.write_text(exports.shopify(data), encoding="utf-8")
    notes: list[str] = []
    table = read_tables(path, notes=notes)["Orders"]
    expected = {}
    for name, email, status, created, _, _, refunded, total in data:
        if status in ("voided", "pending") or total - refunded <= 0 or not email:
            continue
        expected[name] = (email, created, round(total - refunded, 2))
    assert len(table) == len(expected)
    assert sorted(table["amount"].round(2)) == approx(sorted(v[2] for v in expected.values()))
    assert set(table["customer_id"]) == {v[0] for v in expected.values()}
    assert sorted(table["date"]) == sorted(v[1] for v in expected.values())
    assert "Shopify orders export -> Orders" in notes[0] and ", USD;" in notes[0]
    kpis, _ = _report(tmp_path, capsys, {"orders_export_1.csv": exports.shopify(data)})
    counts = {}
    for email, _, _ in expected.values():
        counts[email] = counts.get(email, 0) + 1
    assert kpis["Repeat rate"]["Value"] == approx(
        sum(c >= 2 for c in counts.values()) / len(counts)
    )


def test_shopify_mixed_currencies_are_refused(tmp_path):
    from cxexcel.errors import TableError
    from cxexcel.tables import read_tables

    text = exports.shopify(exports.orders(seed=2)).replace(",USD,", ",EUR,", 3)
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableError, match=r"Shopify orders in 2 currencies \(EUR, USD\)"):
        read_tables(path)


def test_ga4_download_with_comment_lines_and_8_digit_dates(tmp_path, capsys):
    from cxexcel.tables import read_tables

    data = exports.ga4(40, seed=5)
    path = tmp_path / "download.csv"
    path.write_text(exports.ga4_csv(data), encoding="utf-8")
    notes: list[str] = []
    table = read_tables(path, notes=notes)["Engagement"]
    assert table["date"].dt.strftime("%Y%m%d").tolist() == [f"{d[0]:%Y%m%d}" for d in data]
    assert table["dau"].tolist() == [d[1] for d in data]
    assert table["sessions"].tolist() == [d[2] for d in data]
    assert table["avg_session_minutes"].tolist() == approx([round(d[3], 6) / 60 for d in data])
    assert "GA4 export -> Engagement, 40 days; the tables after the first blank line" in notes[0]


def test_an_export_pasted_into_a_workbook_sheet_is_recognised(tmp_path):
    import csv
    import io

    import openpyxl

    from cxexcel.tables import read_tables

    rows = list(csv.reader(io.StringIO(exports.typeform(DATA[:10]))))
    book = openpyxl.Workbook()
    book.active.title = "Typeform responses"
    for row in rows:
        book.active.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    table = read_tables(path)["Responses"]
    assert table["nps"].tolist() == [float(d[1]) for d in DATA[:10]]


def test_hubspot_marketing_emails_with_rates_only(tmp_path, capsys):
    data = exports.campaigns(12, seed=9)
    lines = ["Email name,Subject,Send date,Sent,Delivered,Open rate,Click rate"]
    for i, (when, delivered, opens, clicks) in enumerate(data):
        lines.append(
            f"Newsletter {i},News,{when:%Y-%m-%d %H:%M},{delivered + 3},{delivered},"
            f"{100 * opens / delivered:.2f}%,{100 * clicks / delivered:.2f}%"
        )
    kpis, err = _report(tmp_path, capsys, {"hubspot-emails.csv": "\n".join(lines) + "\n"})
    delivered = sum(d[1] for d in data)
    opens = sum(round(round(d[2] / d[1], 4) * d[1]) for d in data)
    assert kpis["Open rate"]["Value"] == approx(opens / delivered)
    assert "HubSpot marketing email export -> Engagement, 12 campaigns" in err
    assert "opens and clicks from the rates x deliveries" in err


def test_a_bad_answer_label_is_named_in_the_export(tmp_path):
    from cxexcel.errors import TableError
    from cxexcel.tables import read_tables

    text = exports.surveymonkey(DATA[:6]).replace("Somewhat satisfied", "Kinda", 1)
    path = tmp_path / "sm.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        TableError,
        match=r'sm.csv row \d+, column Overall, how satisfied .*: "Kinda" is not a score',
    ):
        read_tables(path)


def test_an_export_in_an_excel_table_not_named_after_a_table(tmp_path):
    import csv
    import io

    import openpyxl
    from openpyxl.worksheet.table import Table

    from cxexcel.tables import read_tables

    rows = list(csv.reader(io.StringIO(exports.mailchimp(exports.campaigns(6, seed=1)))))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Campaigns"
    sheet.append(["Mailchimp report, pasted below"])
    sheet.append([])
    for row in rows:
        sheet.append(row)
    last = openpyxl.utils.get_column_letter(len(rows[0]))
    sheet.add_table(Table(displayName="CampaignStats", ref=f"A3:{last}{len(rows) + 2}"))
    path = tmp_path / "book.xlsx"
    book.save(path)
    notes: list[str] = []
    table = read_tables(path, notes=notes)["Engagement"]
    assert table["emails_delivered"].sum() == sum(int(r[6]) for r in rows[1:])
    assert notes and "Mailchimp export -> Engagement, 6 campaigns" in notes[0]


def test_ga4_and_mailchimp_exports_are_joined_by_day(tmp_path, capsys):
    from cxexcel.errors import TableError
    from cxexcel.tables import read_tables

    days = exports.ga4(60, seed=2)
    campaigns = exports.campaigns(8, seed=6)
    (tmp_path / "ga4.csv").write_text(exports.ga4_csv(days), encoding="utf-8")
    (tmp_path / "mailchimp.csv").write_text(exports.mailchimp(campaigns), encoding="utf-8")
    table = read_tables(tmp_path)["Engagement"]
    assert table["date"].is_monotonic_increasing and table["date"].is_unique
    assert table["dau"].sum() == sum(d[1] for d in days)
    assert table["emails_delivered"].sum() == sum(c[1] for c in campaigns)
    (tmp_path / "r").mkdir()
    files = {"ga4.csv": exports.ga4_csv(days), "mc.csv": exports.mailchimp(campaigns)}
    kpis, _ = _report(tmp_path / "r", capsys, files)
    assert kpis["Open rate"]["Value"] == approx(
        sum(c[2] for c in campaigns) / sum(c[1] for c in campaigns)
    )
    (tmp_path / "ga4-again.csv").write_text(exports.ga4_csv(days), encoding="utf-8")
    with pytest.raises(
        TableError,
        match=r"Engagement is found twice: .* \(avg_session_minutes, dau, sessions in both\)",
    ):
        read_tables(tmp_path)


def test_an_export_pasted_into_a_sheet_of_an_xlwings_book():
    """The ribbon's route (a remote Book of xlwings Server): a SurveyMonkey
    export pasted into a sheet of its own name is found by its first rows."""
    import csv
    import io

    sys.path.insert(0, str(Path(__file__).parent.parent / "excel"))
    from remote_book import book_payload, plain_sheet, remote_book

    from cxexcel.tables import read_tables

    grid = list(csv.reader(io.StringIO(exports.surveymonkey(DATA[:20]))))
    book = remote_book(book_payload(plain_sheet("Survey", grid), plain_sheet("Notes", [["hello"]])))
    notes: list[str] = []
    responses = read_tables(book, notes=notes)["Responses"]
    assert responses["nps"].tolist() == [float(d[1]) for d in DATA[:20]]
    assert notes[0].startswith("Survey: SurveyMonkey export -> Responses, 20 responses")


def test_the_callers_dates_setting_reaches_the_profiles(tmp_path):
    import csv
    import io

    from cxexcel.tables import read_tables

    data = exports.campaigns(4, seed=1)
    rows = list(csv.reader(io.StringIO(exports.mailchimp(data))))
    # An account writing day-first numeric dates: "13/01/2024 10:00".
    for row, (when, *_) in zip(rows[1:], data, strict=True):
        row[3] = when.strftime("%d/%m/%Y %H:%M")
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / "mc.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    table = read_tables(path, dates="day-first")["Engagement"]
    assert sorted(table["date"].dt.date) == sorted({d[0].date() for d in data})
