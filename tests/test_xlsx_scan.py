"""The numpy checks of the .xlsx scan against their definitions.

``_sheettags.check`` must accept exactly the sheet data its grammar (a
regular expression) matches, and ``_plainnumbers.read`` must find the plain
numbers and read them exactly as openpyxl does (``int()``, ``float()``): on
rows built from every spelling the grammar allows, broken at random, and on
random texts.
"""

from __future__ import annotations

import math
import re
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cxexcel.tables import _calamine, _plainnumbers, _sheettags

# -- the tags -------------------------------------------------------------------------------

#: A cell tag up to its ">" as the scan reads one (the grammar lets any
#: character but "<" and ">" into it; the scan then parses its attributes).
_CELL_TAG = (
    rb'(?><c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="(?:0|[1-9][0-9]{0,5})")?'
    rb'(?: t="(?:s|n|b|e|str|inlineStr)")?(?: cm="[0-9]{1,8}")?(?: vm="[0-9]{1,8}")? ?/?)'
)
GRAMMAR = _sheettags.grammar(_CELL_TAG)


def _accepted(rows: bytes) -> bool:
    """Whether the scan's tag check accepts ``rows`` as sheet data."""
    try:
        chunk = _calamine._prepare(rows, 0, len(rows))  # with the cells' attributes
        arr = _calamine._bytes(rows, 0, len(rows))
        lt, b1, b2, cells = chunk.lt, chunk.b1, chunk.b2, chunk.cell_at
        _sheettags.check(rows, 0, arr, len(rows), lt, b1, b2, cells, chunk.cell_end, chunk.is_open)
    except _sheettags.Unsure:
        return False
    return True


ROW_TAGS = [
    '<row r="{n}">',
    '<row r="{n}" spans="1:3">',
    '<row r="{n}" spans="1:3" x14ac:dyDescent="0.25">',
    '<row r="{n}" spans="2:9" s="3" customFormat="1" ht="30" customHeight="1">',
    '<row r="{n}" hidden="1" ht="15">',  # openpyxl's order
    '<row r="{n}" outlineLevel="1" spans="1:2" >',
]
EMPTY_ROWS = ['<row r="{n}"/>', '<row r="{n}" />', '<row r="{n}" s="7" customFormat="1"/>']
CELL_TAGS = [
    '<c r="{c}{n}">',
    '<c r="{c}{n}" s="1">',
    '<c r="{c}{n}" t="s">',
    '<c r="{c}{n}" s="12" t="inlineStr">',
    '<c r="{c}{n}" t="str" cm="1">',
    '<c r="{c}{n}" vm="2" >',
]
EMPTY_CELLS = ['<c r="{c}{n}"/>', '<c r="{c}{n}" s="7"/>', '<c r="{c}{n}" s="7" />']
FORMULAS = [
    "",
    "",
    "<f>1+1</f>",
    "<f>A1&gt;2/>x</f>",
    '<f t="shared" ref="A2:A4" si="0">ROW()</f>',
    '<f t="shared" si="0"/>',
    '<f t="array" ref="B2:B3" aca="0">SEQUENCE(2)</f>',
    "<f />",
    "<f ></f>",
    '<f ca="1" t="shared" si="3" />',  # not in either order: refused
]
VALUES = [
    "<v>12</v>",
    "<v>-1.5E3</v>",
    "<v></v>",
    "<v/>",
    "<v />",
    "<is><t>text</t></is>",
    '<is><t xml:space="preserve"> a b </t></is>',
    "<is><t/></is>",
    "<is><t /></is>",
    "<is></is>",
    "<is/>",
    "<is />",
    "",
]
#: What breaks rows: spaces and text between tags, tags spelt otherwise.
NOISE = [
    " ",
    "x",
    "\n",
    "<",
    ">",
    "/",
    '"',
    "/>",
    "</c>",
    "</row>",
    "<v>",
    "</v>",
    "<v >",
    "<f/>",
    "<f>",
    "</f>",
    "<t>",
    "</t>",
    "<is>",
    "</is>",
    "</cx>",
    "</c >",
    "<row>",
    '<row r="01">',
    '<row r="12345678">',
    '<row r="3" foo="1">',
    '<row r="3" ht="1" ht="2">',
    '<row r="3" spans="a<b">',
    '<c r="A1" s="01">',
    '<c r="A1" t="d">',
    '<c r="A1" t="s" s="1">',
    '<c r="A1"x>',
    '<c  r="A1">',
    '<t xml:space="default">',
    '<f t="x>y">',
    '<f bogus="1">',
    "<sheetData>",
    "<x:c>",
    "<!-- -->",
    "&amp;",
]


@st.composite
def _rows(draw) -> list[str]:
    """Rows as a list of tags and texts, in the grammar."""
    pieces: list[str] = []
    for n in range(1, draw(st.integers(0, 4)) + 1):
        if draw(st.integers(0, 4)) == 0:
            pieces.append(draw(st.sampled_from(EMPTY_ROWS)).format(n=n))
            continue
        pieces.append(draw(st.sampled_from(ROW_TAGS)).format(n=n))
        for c in "ABCDE"[: draw(st.integers(0, 4))]:
            if draw(st.integers(0, 3)) == 0:
                pieces.append(draw(st.sampled_from(EMPTY_CELLS)).format(c=c, n=n))
                continue
            pieces.append(draw(st.sampled_from(CELL_TAGS)).format(c=c, n=n))
            pieces.append(draw(st.sampled_from(FORMULAS)))
            pieces.append(draw(st.sampled_from(VALUES)))
            pieces.append("</c>")
        pieces.append("</row>")
    return [p for p in pieces if p]


@st.composite
def _broken_rows(draw) -> bytes:
    """Rows with a few pieces added, taken out, doubled or swapped."""
    pieces = draw(_rows())
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(pieces)))
        how = draw(st.sampled_from(["insert", "delete", "double", "swap", "cut", "change"]))
        if how == "insert":
            pieces.insert(where, draw(st.sampled_from(NOISE)))
        elif pieces and where < len(pieces):
            if how == "delete":
                del pieces[where]
            elif how == "double":
                pieces.insert(where, pieces[where])
            elif how == "swap" and where + 1 < len(pieces):
                pieces[where], pieces[where + 1] = pieces[where + 1], pieces[where]
            elif (
                how in ("cut", "change") and pieces[where]
            ):  # a piece loses a character, or another takes its place
                piece = pieces[where]
                at = draw(st.integers(0, len(piece) - 1))
                other = draw(st.sampled_from(' x/<>"=')) if how == "change" else ""
                pieces[where] = piece[:at] + other + piece[at + 1 :]
    return "".join(pieces).encode()


_SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_broken_rows())
@example(b'<row r="1"><c r="A1"/><v>1</v></c></row>')
@example(b'<row r="1"><c r="A1"></c>x</row>')
@example(b'<row r="1"><c r="A1"><v>1</v></c></row> ')
@example(b' <row r="1"/>')
@example(b"x")
@example(b"")
@example(b'<row r="1"><c r="A1"> <v>1</v></c></row>')
@example(b'<row r="1"><c r="A1"><v>1</c></row>')
@example(b'<row r="1"><c r="A1"/>x</row>')
@example(b'<row r="1"></c >x</row>')
@example(b'<row r="1"><c r="A1"><f t="shared" si="0"/>x<v>1</v></c></row>')
@example(b'<row r="1"><c r="A1"><f t="shared" si="0"/> </c></row>')
@example(b'<row r="1"></rox>')
@example(b'<row r="1"><c r="A1"><is><t>x</t></isx></c></row>')
@example(b'<row r="1"><c r="A1"><is x></c></row>')
@example(b'<row r="1"><c r="A1"><v /x</c></row>')
def test_the_tag_check_is_the_grammar(rows):
    assert _accepted(rows) == (GRAMMAR.fullmatch(rows) is not None), rows


@_SETTINGS
@given(
    st.lists(
        st.sampled_from(
            ROW_TAGS
            + EMPTY_ROWS
            + CELL_TAGS
            + EMPTY_CELLS
            + FORMULAS
            + VALUES
            + NOISE
            + ["</row>", "</c>"]
        ),
        max_size=12,
    )
)
def test_the_tag_check_is_the_grammar_on_any_sequence(pieces):
    rows = "".join(pieces).format(n=1, c="A").encode()
    assert _accepted(rows) == (GRAMMAR.fullmatch(rows) is not None), rows


def test_rows_whose_attributes_repeat_or_alternate_are_each_checked():
    good = ['<row r="{}" spans="1:2">', '<row r="{}" ht="15" customHeight="1">']
    for pattern in ([0, 0, 0], [0, 1, 0, 1], [1, 0, 0]):
        rows = "".join(good[i].format(n + 1) + "</row>" for n, i in enumerate(pattern))
        assert _accepted(rows.encode())
        for bad in range(len(pattern)):  # any one row's attributes, broken
            broken = [good[i].format(n + 1) + "</row>" for n, i in enumerate(pattern)]
            broken[bad] = broken[bad].replace('="', '= "', 1)
            assert not _accepted("".join(broken).encode())


def test_a_long_row_tag_is_checked_whole():
    attributes = " ".join(f'{name}="{"9" * 30}"' for name in ("spans", "s", "ht"))
    assert _accepted(f'<row r="1" {attributes}></row>'.encode())
    assert not _accepted(f'<row r="1" {attributes} ht="1"></row>'.encode())


# -- the numbers ---------------------------------------------------------------------------

PLAIN = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _read(texts: list[str]):
    joined = b""
    starts, ends = [], []
    for text in texts:
        starts.append(len(joined))
        joined += text.encode()
        ends.append(len(joined))
        joined += b"<"
    arr = np.zeros(len(joined) + 64, np.uint8)
    arr[: len(joined)] = np.frombuffer(joined, np.uint8)
    return _plainnumbers.read(arr, np.array(starts, np.int64), np.array(ends, np.int64))


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


_NUMBER_TEXT = st.one_of(
    st.text("0123456789.eE+-", min_size=1, max_size=24),
    st.text("0123456789.eE+- x", min_size=1, max_size=6),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.17g}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.15E}"),
    st.tuples(st.integers(0, 10**18), st.integers(0, 25), st.integers(-330, 330)).map(
        lambda t: f"{str(t[0])[: t[1] or 1]}.{str(t[0])[t[1] :] or '0'}e{t[2]}"
    ),
    st.sampled_from(
        [
            "0",
            "-0",
            "-0.0",
            "0.1",
            "9007199254740993",
            "9007199254740993.0",
            "9007199254740993E1",  # 2**53 + 1
            "1234567890123456.",  # 17 bytes, the last not a digit
            "-123456789012345e",
            "900719925474099.3",
            "123456789012345",
            "1234567890123456",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "4.9e-324",
            "2.5e-324",
            "1.7976931348623157e308",
            "1.8e308",
            "1e999999",
            "1e-999999",
            "1e18446744073709551617",  # an exponent beyond int64
            "1e0000001",  # more exponent digits than are summed
            "9.999999999999999999",  # a mantissa beyond int64
            "-9999999999999999999e-3",
            "0.000000000000000000000000000001",
            "45292.541666666664",
            "0.30000000000000004",
            "00",
            "01",
            "1.",
            ".5",
            "1e",
            "--1",
            "1e+",
            "+1",
        ]
    ),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_NUMBER_TEXT, min_size=1, max_size=40))
def test_numbers_are_read_as_openpyxl_reads_them(texts):
    plain, is_float, value = _read(texts)
    for i, text in enumerate(texts):
        assert plain[i] == (PLAIN.fullmatch(text) is not None), text
        if not plain[i]:
            continue
        dotted = any(c in text for c in ".eE")
        assert is_float[i] == dotted, text
        if dotted:
            assert _bits(value[i]) == _bits(float(text)), text
        elif len(text.lstrip("-")) <= 15:
            assert value[i] == int(text) and float(value[i]).is_integer(), text
        else:  # left to int()
            assert math.isnan(value[i]), text


@pytest.mark.parametrize("chunk", [4 << 20, 40], ids=["whole", "rows"])
def test_a_number_cell_reads_its_own_value(tmp_path, chunk, monkeypatch):
    """The scan's numbers are the cells' values, in order, across chunks."""
    monkeypatch.setattr(_calamine, "_CHUNK", chunk)
    texts = ["7", "-2.5", "1E3", "0.1", "45292.541666666664", "123456789012345", "-0"]
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{t}</v></c><c r="B{n}" t="s"><v>0</v></c></row>'
        for n, t in enumerate(texts, start=1)
    )
    data = f'<worksheet xmlns="{_calamine.MAIN}"><sheetData>{rows}</sheetData></worksheet>'
    scanned = _calamine.scan(_calamine.prepare(data.encode()), 1, set(), set())
    numbers = scanned.kind != _calamine.K_SHARED
    expected = [float(t) if any(c in t for c in ".eE") else float(int(t)) for t in texts]
    assert [_bits(v) for v in scanned.number[numbers]] == [_bits(v) for v in expected]
