"""Extension points through which a lower app asks a higher one.

Apps import only downwards (docs/architecture.md, "Layers"; import-linter
checks it). When a lower app needs something only a higher app knows (the
communication plan that charters keeps, the panels other apps add to the
staff home page), the lower app declares a ``Hook`` or a ``Registry`` in its
own code and the higher app fills it in its ``AppConfig.ready()``:

    # messaging/hooks.py (lower)
    communication_plan = Hook("messaging.communication_plan")

    # charters/apps.py (higher)
    def ready(self):
        from charters.selectors.charter import charter_communication_plan
        from messaging.hooks import communication_plan
        communication_plan.provide(charter_communication_plan)

A ``Hook`` has one provider and may have a default for when no app provides
it; a ``Registry`` collects any number of contributions, in registration
order. Both are plain objects: no import of the higher app is ever needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """One function a higher app provides; calling the hook calls it."""

    def __init__(self, name: str, *, default: Callable[..., Any] | None = None) -> None:
        self.name = name
        self._default = default
        self._provider: Callable[..., Any] | None = None

    def provide(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Set the provider (usable as a decorator). A second provider
        replaces the first: the last app in INSTALLED_APPS wins, as with
        Django's template and static finders."""
        self._provider = func
        return func

    @property
    def provided(self) -> bool:
        return self._provider is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        func = self._provider or self._default
        if func is None:
            raise ImproperlyConfigured(f"no installed app provides the hook {self.name!r}")
        return func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name} provided={self.provided}>"


class Registry:
    """Contributions from any number of higher apps, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: list[Any] = []

    def register(self, item: Any) -> Any:
        """Add a contribution (usable as a decorator); registering the same
        object twice keeps one (``ready()`` may run twice in tests)."""
        if item not in self._items:
            self._items.append(item)
        return item

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._items)} item(s)>"
