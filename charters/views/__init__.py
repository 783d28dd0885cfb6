"""Staff pages of charters, one module per area (as ``templates/charters/<area>/``):
``charter``, ``founding``, ``governance``, ``meetings``, ``signs``."""
