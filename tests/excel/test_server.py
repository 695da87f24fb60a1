"""``cxexcel.server`` and the add-in directory, without starting a server."""

from __future__ import annotations

import runpy
import sys
import types

import pytest

from cxexcel import server

SCRIPTS_INIT = server.ADDIN_DIR / "custom_scripts" / "__init__.py"


def test_server_refuses_to_start_without_a_licence_key(monkeypatch):
    monkeypatch.delenv("XLWINGS_LICENSE_KEY")
    with pytest.raises(SystemExit, match="noncommercial.*PolyForm Noncommercial.*PRO"):
        server.create_app()


def test_addin_directory_holds_what_xlwings_server_looks_for():
    for path in [
        "custom_functions/__init__.py",
        "custom_scripts/__init__.py",
        "routers/custom.py",
        "templates/manifest.xml",
        "templates/taskpane.html",
        "static/js/ribbon.js",
    ]:
        assert (server.ADDIN_DIR / path).is_file(), path


def test_scripts_are_optional_only_while_their_module_is_absent(monkeypatch):
    monkeypatch.setitem(sys.modules, "cxexcel.excel.scripts", None)
    assert runpy.run_path(str(SCRIPTS_INIT))["__all__"] == []


def test_a_broken_scripts_module_stops_the_add_in(monkeypatch):
    broken = types.ModuleType("cxexcel.excel.scripts")  # lacks the four scripts
    monkeypatch.setitem(sys.modules, "cxexcel.excel.scripts", broken)
    with pytest.raises(ImportError):
        runpy.run_path(str(SCRIPTS_INIT))
