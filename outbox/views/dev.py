"""Development-only pages of the outbox."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbox.forms.dev import InboundSMSForm
from outbox.gateways.file import file_outbox_read, file_outbox_recipients
from outbox.services.dev import dev_inbound_sms_simulate


def dev_outbox(request: HttpRequest, *, inbound_form: InboundSMSForm | None = None) -> HttpResponse:
    """What each phone and mailbox received through the file gateways (DEBUG only).

    Lets a developer follow a sign-up (the email link, the SMS code) or an
    alert without any real provider, and answer as a member would.
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
            "inbound_form": inbound_form or InboundSMSForm(initial={"from_number": recipient}),
            "phones": sorted(a for a in by_recipient if a.startswith("+")),
        },
        status=400 if inbound_form is not None else 200,
    )


@require_POST
def dev_inbound_sms(request: HttpRequest) -> HttpResponse:
    """Simulate an SMS from a member's phone through the real, signed Twilio
    webhook (DEBUG only); the answer lands in that phone's outbox."""
    if not settings.DEBUG:
        raise Http404
    form = InboundSMSForm(request.POST)
    if not form.is_valid():
        return dev_outbox(request, inbound_form=form)
    number = form.cleaned_data["from_number"]
    try:
        answer = dev_inbound_sms_simulate(
            from_number=number,
            body=form.cleaned_data["body"],
            host=request.get_host(),
            secure=request.is_secure(),
        )
    except ImproperlyConfigured as exc:
        form.add_error(None, _("The webhook could not be reached: %(error)s") % {"error": exc})
        return dev_outbox(request, inbound_form=form)
    if answer:
        messages.success(request, _("Sent. The platform answered: %(answer)s") % {"answer": answer})
    else:
        messages.success(request, _("Sent. The platform did not answer."))
    return redirect(f"{reverse('outbox:dev_outbox')}?{urlencode({'to': number})}")
