"""Excel adapters over the core: value conversion for functions
(:mod:`cxexcel.excel.convert`) and the ribbon scripts
(:mod:`cxexcel.excel.scripts`).

Nothing is imported here, so that loading one adapter does not pull in the
other (the scripts need the report builder and xlwings' remote engine, the
function adapters do not).
"""
