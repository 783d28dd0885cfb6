"""Where the platform may send webhooks: never into its own network (SSRF).

A webhook URL is typed by a user, and the platform's server then calls it:
without these checks an officer's account could make the server reach the
database, Redis, a cloud metadata service or an admin page on the inside.
So a target must be ``https`` and every address its host name resolves to
must be public. ``WEBHOOKS_ALLOW_LOOPBACK`` (development and tests only)
also allows plain ``http`` to this machine (127.0.0.0/8, ::1), for a local
receiver; private networks stay refused even then.

The addresses are checked when the endpoint is registered and again before
every attempt (DNS may change), and the attempt connects to the checked
address itself (``webhooks.services.deliveries._pool``), so a DNS answer
that changes in between (DNS rebinding) cannot redirect it. Redirects are
not followed.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(Exception):
    """The URL may not be called; the message says why (translated)."""


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


def _address_problem(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if _loopback_allowed() else _("The address points to this server.")
    if not ip.is_global or ip.is_multicast:
        return _("The address is in a private or reserved network.")
    return None


def webhook_target_check(url: str, *, resolve: bool = True) -> list[str]:
    """Raise TargetRefused unless ``url`` may be called; return the addresses
    its host resolves to (empty when ``resolve`` is False)."""
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if _loopback_allowed() else ("https",)
    if parts.scheme not in allowed_schemes:
        raise TargetRefused(_("Use an https:// address."))
    if parts.username or parts.password:
        raise TargetRefused(_("Leave user names and passwords out of the address."))
    host = parts.hostname
    if not host:
        raise TargetRefused(_("The address has no host name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused(_("The port number is not valid.")) from exc
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        problem = _address_problem(str(literal))
        if problem:
            raise TargetRefused(problem)
        return [str(literal)]
    local_name = host.lower() == "localhost" or host.lower().endswith((".localhost", ".internal"))
    if local_name and not _loopback_allowed():
        raise TargetRefused(_("The address points to this server."))
    if not resolve:
        return []
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(_("The host name cannot be found.")) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        problem = _address_problem(address)
        if problem:
            raise TargetRefused(problem)
    return addresses
