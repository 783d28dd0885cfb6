"""Views of messaging, one module per area: messages, inbox, incidents (and
the development outbox)."""
