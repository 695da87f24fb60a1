"""Package boundaries: the core stays free of Excel and file I/O libraries."""

import subprocess
import sys

import cxexcel.metrics


def test_importing_the_core_leaves_xlwings_and_openpyxl_out():
    code = (
        "import sys, cxexcel.metrics, cxexcel.catalog\n"
        "cxexcel.catalog.functions()\n"
        "bad = [n for n in ('xlwings', 'openpyxl') if n in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_all_lists_exactly_its_public_functions():
    # The core loads its modules on first use: look names up, not in vars().
    public = {
        name
        for name in dir(cxexcel.metrics)
        if not name.startswith("_") and callable(getattr(cxexcel.metrics, name))
    }
    assert set(cxexcel.metrics.__all__) == public


def test_package_all_matches_its_exports():
    import cxexcel

    assert set(cxexcel.metrics.__all__) <= set(cxexcel.__all__)
    for name in cxexcel.__all__:
        assert hasattr(cxexcel, name), name
    assert cxexcel.nps([10, 0]) == 0.0
