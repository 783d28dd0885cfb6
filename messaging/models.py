# Models arrive with this app's own issue; see docs/architecture.md.
