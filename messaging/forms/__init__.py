"""Forms of messaging, one module per area: messages, incidents."""
