"""Read-side queries on members, one module per area (staff, imports)."""
