"""The dashboards as sections of tables (``report``: the structure;
``sections``, ``network``, ``national``: what each dashboard shows)."""
