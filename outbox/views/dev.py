"""Development-only pages of the outbox."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from outbox.gateways.file import file_outbox_read, file_outbox_recipients


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """What each phone and mailbox received through the file gateways (DEBUG only).

    Lets a developer follow a sign-up (the email link, the SMS code) or an
    alert without any real provider.
    """
    if not settings.DEBUG:
        raise Http404
    recipient = request.GET.get("to", "").strip()
    # Filtered before the newest 200 are taken: older messages of one
    # recipient are still found, and every recipient is listed.
    messages = file_outbox_read(to=recipient, limit=200)
    by_recipient = file_outbox_recipients()
    template = "outbox/_dev_outbox_list.html" if request.htmx else "outbox/dev_outbox.html"
    return render(
        request,
        template,
        {
            "outbox_messages": messages,
            "recipients": sorted(by_recipient.items()),
            "recipient": recipient,
        },
    )
