"""`cxexcel check`: what was recognised, then every problem; and `report`
naming every problem too."""

from __future__ import annotations

import sys
from pathlib import Path

from cxexcel.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import exports  # noqa: E402


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_says_what_it_found(tmp_path, capsys):
    (tmp_path / "sm.csv").write_text(exports.surveymonkey(exports.answers(30, 2)))
    (tmp_path / "Orders.csv").write_text("customer_id,date,amount\nC1,2024-01-02,5\n")
    code, out, err = _run(capsys, "check", str(tmp_path))
    assert code == 0, err
    assert "found: sm.csv: SurveyMonkey export -> Responses, 30 responses" in out
    assert "Responses: 30 rows, no problems" in out
    assert "Orders: 1 row, no problems" in out


def test_check_lists_every_problem_capped_per_column(tmp_path, capsys):
    rows = [f"C{i},2024-01-{i + 1:02d},{'x' if i % 2 else 5}" for i in range(20)]
    (tmp_path / "Orders.csv").write_text("customer_id,date,amount\n" + "\n".join(rows) + "\n")
    (tmp_path / "Spend.csv").write_text(
        "month,sales_marketing_cost,new_customers\n2024-01,lots,3\n"
    )
    code, out, err = _run(capsys, "check", str(tmp_path), "--per-column", "3")
    assert code == 2
    problems = [line for line in out.splitlines() if line.startswith("problem: ")]
    assert problems == [
        'problem: Orders.csv row 3, column amount: "x" is not a number (amount must be a number 0 or more)',
        'problem: Orders.csv row 5, column amount: "x" is not a number (amount must be a number 0 or more)',
        'problem: Orders.csv row 7, column amount: "x" is not a number (amount must be a number 0 or more)'
        " (and 7 more bad rows in amount)",
        'problem: Spend.csv row 2, column sales_marketing_cost: "lots" is not a number '
        "(sales_marketing_cost must be a number 0 or more)",
    ]
    assert out.splitlines()[-1] == "4 problems"


def test_report_names_every_problem_in_its_one_line(tmp_path, capsys):
    (tmp_path / "Orders.csv").write_text("customer_id,date,amount\nC1,soon,x\n")
    code, out, err = _run(capsys, "report", str(tmp_path), "-o", str(tmp_path / "o.xlsx"))
    assert code == 2
    assert err.splitlines() == [
        'cxexcel: error: 2 problems: Orders.csv row 2, column date: "soon" is not a date (date '
        'must be a date such as 2024-01-31) | Orders.csv row 2, column amount: "x" is not a '
        "number (amount must be a number 0 or more)"
    ]
    assert not (tmp_path / "o.xlsx").exists()


def test_scale_and_dates_options(tmp_path, capsys):
    (tmp_path / "Responses.csv").write_text("date,csat\n03/04/2024,9\n")
    code, out, _ = _run(capsys, "check", str(tmp_path))
    assert code == 2 and '"03/04/2024" is not a date' in out
    code, out, err = _run(
        capsys, "check", str(tmp_path), "--scale", "csat=1-10", "--dates", "day-first"
    )
    assert code == 0, out + err
    code, _, err = _run(capsys, "check", str(tmp_path), "--scale", "csat=ten")
    assert code == 2 and "write SCORE=LOW-HIGH" in err


def test_report_with_a_csat_scale_of_1_to_10(tmp_path, capsys):
    import openpyxl

    rows = [
        f"2024-01-{d:02d},{s}"
        for d, s in zip(range(1, 11), [10, 9, 8, 3, 10, 7, 9, 1, 2, 9], strict=True)
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "Responses.csv").write_text("date,csat\n" + "\n".join(rows) + "\n")
    out = tmp_path / "o.xlsx"
    code, _, err = _run(
        capsys, "report", str(tmp_path / "in"), "-o", str(out), "--scale", "csat=1-10"
    )
    assert code == 0, err
    sys.path.insert(0, str(Path(__file__).parent.parent / "report"))
    import sheets

    kpi = sheets.kpis(openpyxl.load_workbook(out)["CX Summary"])["CSAT"]
    assert kpi["Value"] == 5 / 10  # top two boxes of 1-10: five 9s and 10s
    assert "1-10 ratings" in kpi["Covers"]
    assert "only Responses was found; also give: Subscriptions for" in err
    code, _, err = _run(
        capsys, "report", str(tmp_path / "in"), "-o", str(tmp_path / "p.xlsx"), "--scale", "nps=1-5"
    )
    assert code == 2 and "nps is always 0-10" in err


def test_notes_on_repeated_customer_months_and_cents(tmp_path):
    from cxexcel.tables import read_tables

    lines = ["customer_id,month,mrr"]
    lines += [f"C{i},2024-0{m},{4900 + 5000 * (i % 2)}" for i in range(6) for m in (1, 2)]
    lines.append("C1,2024-02,4900")
    (tmp_path / "Subscriptions.csv").write_text("\n".join(lines) + "\n")
    notes: list[str] = []
    read_tables(tmp_path, notes=notes)
    assert notes == [
        "Subscriptions: 1 customer-month appears in more than one row (e.g. C1, 2024-02: 2 rows); "
        "the report adds up the MRR of each customer-month's rows (one row per customer and "
        "month is expected: check for an export listed twice)",
        "Subscriptions: every mrr is a whole number, most end in 00 or 99 (median 4,900): if "
        'they are cents, divide them by 100 (in a mapping file: units = { mrr = "cents" })',
    ]


def test_a_folder_whose_files_were_all_skipped_says_which_and_why(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.csv").write_text("a,b\n1,2\n")
    (tmp_path / "in" / "notes.txt").write_text("hello\n")
    code, _, err = _run(capsys, "report", str(tmp_path / "in"), "-o", str(tmp_path / "o.xlsx"))
    assert code == 2 and err.count("\n") == 1
    assert (
        "skipped export.csv (its name names no table and its columns are no export cxexcel "
        "knows), notes.txt (not a table file: .xlsx, .xlsm, .csv or .parquet are read)" in err
    )
