"""The personal page's forms, one module per area."""
