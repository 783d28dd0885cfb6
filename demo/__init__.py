"""Demo data for development and demonstrations (``manage.py seed_demo``).

The top layer: it may import every app and no app imports it.
"""
