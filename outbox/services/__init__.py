"""Write-side operations of the outbox, one module per area: ``notifications`` (one
person's messages) and ``callbacks`` (what providers report back)."""
