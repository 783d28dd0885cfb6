"""The members app's views, one module per area (staff, signup, imports)."""
