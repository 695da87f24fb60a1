"""The pure metric core (filled in below)."""
