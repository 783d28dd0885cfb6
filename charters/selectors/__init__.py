"""Read-side queries of charters, one module per area (as
``templates/charters/<area>/``): ``charter`` (with the house rules), ``founding``,
``governance``, ``meetings``, ``signs``."""
