from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: the ``seed_demo`` and ``demo_totp`` commands and their builders.

    No models and no pages, so no translated ``verbose_name`` either."""

    name = "demo"
