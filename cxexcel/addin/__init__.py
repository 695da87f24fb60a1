"""The xlwings-server project directory of the CX Metrics add-in.

``cxexcel.server`` points ``XLWINGS_PROJECT_DIR`` here. xlwings-server then
imports ``custom_functions`` and ``custom_scripts`` and ``routers.custom``
from this directory as top-level modules, and serves ``templates/`` and
``static/`` in place of its own files of the same name.
"""
