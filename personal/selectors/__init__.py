"""Reads for the personal page, one module per area."""
