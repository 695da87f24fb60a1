"""The add-in's ribbon scripts, from ``cxexcel.excel.scripts``.

The ``CX Metrics`` ribbon tab (``templates/manifest.xml``,
``static/js/ribbon.js``) runs these by name. A script module that fails to
import stops the server; only a missing module (a checkout that predates
it) leaves the add-in with its functions and no scripts.
"""

try:
    from cxexcel.excel.scripts import (
        build_metric_sheets,
        insert_sample_tables,
        refresh_metric_sheets,
        validate_tables,
    )
except ModuleNotFoundError as error:
    if error.name != "cxexcel.excel.scripts":
        raise
    __all__ = []
else:
    __all__ = [
        "build_metric_sheets",
        "insert_sample_tables",
        "refresh_metric_sheets",
        "validate_tables",
    ]
