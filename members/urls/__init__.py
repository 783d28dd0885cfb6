"""The members app's URL configurations, one module per area (staff, signup,
imports); ``root`` mounts them under the app's namespace ``members``."""
