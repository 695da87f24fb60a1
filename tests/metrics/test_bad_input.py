"""Every metric turns bad input into the right error class, Excel code and message."""

import pytest

from cxexcel import catalog
from cxexcel import metrics as m
from cxexcel.errors import EmptyInputError, InputError, ZeroDenominatorError

# Metrics whose first argument may legitimately hold text (order customer ids).
TEXT_ALLOWED = {"REPEAT_RATE"}


def example_args(entry):
    return list(entry.examples[0].args)


def entries(skip=()):
    return [pytest.param(e, id=e.name) for e in catalog.functions() if e.name not in skip]


@pytest.mark.parametrize("entry", entries(skip=TEXT_ALLOWED))
def test_text_in_a_numeric_argument_is_a_value_error_naming_it(entry):
    for position, arg in enumerate(entry.args):
        if arg.kind == "text":
            continue
        args = example_args(entry)
        if position >= len(args):
            args += [a.default for a in entry.args[len(args) : position]] + [None]
        args[position] = [[1], ["n/a"]] if arg.kind == "range" else "n/a"
        with pytest.raises(InputError) as info:
            entry.function(*args)
        assert info.value.excel_code == "#VALUE!"
        assert str(info.value).startswith(f"{arg.name}: ")
        assert '"n/a"' in str(info.value)


@pytest.mark.parametrize("entry", entries())
def test_an_empty_first_argument_is_not_available(entry):
    args = example_args(entry)
    blank = [[None], [""], [float("nan")]]
    # A table function's columns go together: blank them all, as an empty table would be.
    columns = (
        [a for a in entry.args if not a.optional and a.kind != "value"]
        if entry.returns == "table"
        else entry.args[:1]
    )
    for position in range(len(columns)):
        args[position] = blank
    with pytest.raises(EmptyInputError) as info:
        entry.function(*args)
    assert info.value.excel_code == "#N/A"
    assert str(info.value).startswith(f"{entry.args[0].name}: ")
    assert "no values" in str(info.value) or "empty" in str(info.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: m.nps([10, 9, 11]), "scores: 11 at item 3 is outside 0-10"),
        (lambda: m.nps([10, -1]), "scores: -1 at item 2 is outside 0-10"),
        (lambda: m.nps([[10], [None], [7.5]]), "scores: 7.5 at item 3 is not a whole-number score"),
        (lambda: m.nps([True, 9]), "scores: True at item 1 is not a number"),
        (lambda: m.nps([9], 6, 7), "detractor_max: 7 must be below promoter_min (6)"),
        (lambda: m.nps_moe([9], 1.5), "confidence: 1.5 must be between 0 and 1"),
        (lambda: m.nps_test([9], [12]), "scores_b: 12 at item 1 is outside 0-10"),
        (lambda: m.csat([5, 6]), "scores: 6 at item 2 is outside 1-5"),
        (lambda: m.csat([5, 0]), "scores: 0 at item 2 is outside 1-5"),
        (lambda: m.csat([5], 7), "threshold: 7 is outside 1-5"),
        (lambda: m.ces([8]), "scores: 8 at item 1 is outside 1-7"),
        (lambda: m.cxi([5], [5], [6], [5]), "understanding: 6 at item 1 is outside 1-5"),
        (lambda: m.churn(10, 20), "lost: 20 is more than start (10)"),
        (lambda: m.churn(-5, 1), "start: -5 is negative"),
        (lambda: m.churn([10, 10], [1, -1]), "lost: -1 at item 2 is negative"),
        (lambda: m.retention(100, 50, 60), "new: 60 is more than end (50)"),
        (lambda: m.retention(100, 250, 10), "end - new: 240 is more than start (100)"),
        (lambda: m.repeat_rate(300, 200), "repeat_customers: 300 is more than customers (200)"),
        (lambda: m.stickiness(5, 4), "dau: 5 is more than mau (4)"),
        (lambda: m.clv_churn(100, 1.5), "churn: 1.5 must be a rate from 0 to 1"),
        (lambda: m.cac_payback(100, 10, 2), "gross_margin: 2 must be a fraction from 0 to 1"),
        (lambda: m.upsell_share(5, 4), "upsell_revenue: 5 is more than total_revenue (4)"),
        (lambda: m.nrr(100, 0, 60, 50), "churned: plus contraction (110) is more than start_mrr"),
        (lambda: m.clv([1, 2], [1, 2, 3], 1), "ranges must be the same size"),
        (lambda: m.clv(float("inf"), 1, 1), "apv: inf is not a finite number"),
        (lambda: m.cac([[1, 2]], 5), None),
    ],
)
def test_bad_values_name_argument_and_value(call, message):
    if message is None:  # a valid element-wise call, here to show the contrast
        assert list(call().ravel()) == [0.2, 0.4]
        return
    with pytest.raises(InputError) as info:
        call()
    assert info.value.excel_code == "#VALUE!"
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: m.churn(0, 0), "start: 0 makes the ratio undefined"),
        (lambda: m.churn([100, 0], [1, 0]), "start: 0 at item 2 makes the ratio undefined"),
        (lambda: m.retention(0, 0, 0), "start: 0"),
        (lambda: m.repeat_rate(0, 0), "customers: 0"),
        (lambda: m.stickiness(0, 0), "mau: 0"),
        (lambda: m.open_rate(0, 0), "delivered: 0"),
        (lambda: m.click_rate(0, 0), "delivered: 0"),
        (lambda: m.time_on_site(100, 0), "visitors: 0"),
        (lambda: m.clv_churn(100, 0), "churn: 0"),
        (lambda: m.cac(100, 0), "new_customers: 0"),
        (lambda: m.clv_cac(100, 0), "cac: 0"),
        (lambda: m.clv_cac_rating(100, 0), "cac: 0"),
        (lambda: m.cac_payback(100, 0), "arpa: 0"),
        (lambda: m.crc(100, 0), "customers: 0"),
        (lambda: m.upsell_share(0, 0), "total_revenue: 0"),
        (lambda: m.existing_revenue_share(0, 0), "total_revenue: 0"),
        (lambda: m.clv_per_capex(10, 0), "capex: 0"),
        (lambda: m.nrr(0, 5, 0, 0), "start_mrr: 0"),
        (lambda: m.grr(0, 0, 0), "start_mrr: 0"),
        (lambda: m.quick_ratio(10, 5, 0, 0), "contraction + churned: 0"),
    ],
)
def test_zero_denominators_are_div0_errors(call, message):
    with pytest.raises(ZeroDenominatorError) as info:
        call()
    assert info.value.excel_code == "#DIV/0!"
    assert message in str(info.value)


def test_error_cells_and_blanks_in_ranges():
    # Blanks are skipped; the position still counts them, as cells do.
    assert m.nps([[None], [""], [10], ["  "], [0]]) == 0.0
    with pytest.raises(InputError, match=r'scores: "#N/A" at item 2 is not a number'):
        m.nps([[9], ["#N/A"]])


def test_element_wise_ranges_give_blank_results_for_blank_periods():
    result = m.churn([[100], [200], [None]], [[5], [10], [3]])
    assert result.shape == (3, 1)
    assert list(result[:2, 0]) == [0.05, 0.05]
    assert result[2, 0] != result[2, 0]  # NaN: a blank result


@pytest.mark.parametrize("text", ["10", " 1e1 ", "nan", "inf"])
def test_text_that_looks_like_a_number_is_still_text(text):
    with pytest.raises(InputError, match=rf'scores: "{text}" at item 2 is not a number'):
        m.nps([9, text, 3])
    with pytest.raises(InputError, match="is not a number"):
        m.churn(text, 5)


def test_ranges_pair_item_by_item_whatever_their_orientation():
    # A row of starts with a column of losses pairs first with first, never 2 x 2.
    result = m.churn([[100, 200]], [[1], [4]])
    assert result.size == 2
    assert list(result.ravel()) == [0.01, 0.02]
    with pytest.raises(InputError, match=r"lost 3 cells, start 2 cells"):
        m.churn([100, 200], [1, 2, 3])


def test_huge_values_are_shown_readably():
    with pytest.raises(InputError, match=r"scores: 1e\+300 at item 1 is outside 0-10"):
        m.nps([1e300])
