"""Development-only pages of messaging."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from messaging.gateways.file import file_outbox_read


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """What each phone and mailbox received through the file gateways (DEBUG only).

    Lets a developer follow a sign-up (the email link, the SMS code) or an
    alert without any real provider.
    """
    if not settings.DEBUG:
        raise Http404
    messages = file_outbox_read()
    recipient = request.GET.get("to", "").strip()
    if recipient:
        messages = [m for m in messages if m.get("to") == recipient]
    by_recipient: dict[str, int] = defaultdict(int)
    for message in file_outbox_read():
        by_recipient[message.get("to", "")] += 1
    template = "messaging/_dev_outbox_list.html" if request.htmx else "messaging/dev_outbox.html"
    return render(
        request,
        template,
        {
            "outbox_messages": messages[:200],
            "recipients": sorted(by_recipient.items()),
            "recipient": recipient,
        },
    )
