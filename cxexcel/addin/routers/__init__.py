"""Routes the add-in adds to xlwings-server (``custom.py``, found by xlwings-server)."""
