"""Template tags of the personal page."""
