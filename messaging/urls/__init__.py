"""URLs of messaging (namespace ``messaging``), one module per area;
``messages`` is the one the project includes, and it includes the others."""
