"""cxexcel: customer-experience and customer-success metrics for Excel."""

__version__ = "0.1.0"
