"""Forms of charters, one module per area (as ``templates/charters/<area>/``):
``charter``, ``founding``, ``governance``, ``meetings``, ``signs``; ``common`` holds
the widgets and the submit button they share."""
