"""Read-side queries of messaging, one module per area (messages, inbox,
incidents) and per job (recipients, the communication policy)."""
