"""The personal page's views, one module per area (as ``templates/personal/<area>/``)."""
