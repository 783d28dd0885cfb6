"""The members app's URL configurations, one module per area (staff, signup, imports)."""
