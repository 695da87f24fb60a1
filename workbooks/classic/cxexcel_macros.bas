Attribute VB_Name = "CxMetrics"
' cxexcel metric-sheet macros for the classic Windows route (xlwings add-in, BSD licence).
'
' The same four actions as the CX Metrics ribbon tab of the Office.js add-in,
' run through xlwings' RunPython on the workbook that calls them:
'
'   CX_BuildMetricSheets    build the "CX ..." metric sheets from the input tables
'   CX_RefreshMetricSheets  rebuild them from the current tables
'   CX_InsertSampleTables   add sample input tables (Responses, Subscriptions, ...)
'   CX_ValidateTables       check the input tables and list every problem
'
' Install (see docs/macros.md):
'   1. pip install cxexcel  (in the Python environment xlwings uses)
'   2. xlwings addin install  (adds the xlwings ribbon tab and RunPython)
'   3. In the VBA editor (Alt+F11) of your workbook: File > Import File... this
'      file, then Tools > References... > tick "xlwings".
'   4. Set the Python interpreter on the xlwings ribbon tab (Interpreter) if it
'      is not the one on PATH.
'   5. Save the workbook as .xlsm and assign the macros to buttons or the
'      Quick Access Toolbar.
'
' The macros write only their six sheets (CX Summary, CX Surveys, CX Revenue,
' CX Customers, CX Cohorts, CX CLV) and replace those on every run; every
' other sheet stays as it is. Problems in the input tables
' are listed in a message box, and then nothing in the workbook changes.

Option Explicit

Private Const CX_SCRIPTS As String = "import xlwings as xw; import cxexcel.excel.scripts as cx; "

Public Sub CX_BuildMetricSheets()
    RunPython CX_SCRIPTS & "cx.build_metric_sheets_in(xw.Book.caller())"
End Sub

Public Sub CX_RefreshMetricSheets()
    RunPython CX_SCRIPTS & "cx.refresh_metric_sheets_in(xw.Book.caller())"
End Sub

Public Sub CX_InsertSampleTables()
    RunPython CX_SCRIPTS & "cx.insert_sample_tables_in(xw.Book.caller())"
End Sub

Public Sub CX_ValidateTables()
    RunPython CX_SCRIPTS & "cx.validate_tables_in(xw.Book.caller())"
End Sub
