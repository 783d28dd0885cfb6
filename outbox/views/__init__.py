"""The outbox's views, one module per area (``dev``: the development outbox)."""
