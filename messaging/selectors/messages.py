"""Read-side queries of the messages area: previews, progress, history,
approvals and templates."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Member
from messaging.models import Delivery, Message, MessageTemplate
from messaging.selectors.reach import message_unreached
from messaging.selectors.recipients import message_recipients
from messaging.selectors.templates import country_numbers, template_fill, template_library
from networks.models import Country, Network, PoliceZone
from networks.selectors import user_roles
from outbox.sms import sms_length


def message_preview(*, message: Message, networks=None) -> dict:
    """Recipients per channel and language, SMS segments and cost, and who
    will not be reached and why (``unreached``), before publishing.

    ``networks`` (None: all targeted) limits the figures to the recipients of
    those networks: a viewer sees the figures of the networks they follow only.
    """
    recipients = everyone = message_recipients(message=message)
    if networks is not None:
        shown = set(Member.objects.filter(network__in=list(networks)).values_list("pk", flat=True))
        recipients = [r for r in recipients if r.member_id in shown]
    per_channel = Counter(r.channel for r in recipients)
    sms_per_language = Counter(r.language for r in recipients if r.channel == "sms")
    first = {n.pk: n.default_language for n in message.networks.all()}
    fallback = next(iter(first.values()), "nl")
    texts = []
    segments_total = 0
    for language in sorted({*message.texts.keys(), *sms_per_language.keys()}):
        text = message.text_for(language, fallback)
        # The reply hint and short personal link appended to every SMS count too.
        length = sms_length(
            sms_with_reply_hint(text=text.get("sms", ""), url=SHORT_LINK_SAMPLE, language=language)
        )
        count = sms_per_language.get(language, 0)
        segments_total += length.segments * count
        texts.append({"language": language, "text": text, "length": length, "sms_count": count})
    cost = Decimal(str(settings.SMS_COST_PER_SEGMENT)) * segments_total
    return {
        "per_channel": dict(per_channel),
        "total": len(recipients),
        "texts": texts,
        "segments_total": segments_total,
        "cost": cost.quantize(Decimal("0.01")),
        "held": sum(1 for r in recipients if r.not_before),
        # Everyone's deliveries (a person served through another network is
        # reached), the audience of the shown networks only.
        "unreached": message_unreached(message=message, recipients=everyone, networks=networks),
    }


SHORT_LINK_SAMPLE = settings.PUBLIC_BASE_URL + "/m/12345.1.0123456789/"


def sms_with_reply_hint(*, text: str, url: str, language: str) -> str:
    """An alert's SMS as sent: the text, how to answer, the short personal link
    (where the member can also answer)."""
    with translation.override(language):
        # Translators: keep it short, it is in every SMS; the link follows.
        hint = _("Answer by SMS or via")
    return f"{text} {hint} {url}"


def emergency_text_routes_line(*, member: Member, short: bool = False) -> str:
    """For a deaf or hard-of-hearing member, in the active language: how to
    reach the emergency services without phoning (the routes of the network's
    country); "" for other members. ``short``: the routes' names only (SMS)."""
    routes = member.emergency_text_routes
    if not routes:
        return ""
    if short:
        return _("Emergency by text: %(routes)s.") % {
            "routes": " / ".join(route for route, _label in routes)
        }
    return _("In an emergency, without phoning: %(routes)s.") % {
        "routes": "; ".join(f"{route} ({label})" for route, label in routes)
    }


def email_reply_hint(*, language: str, url: str, reply_by_email: bool) -> str:
    """The footer line of an alert email that says how to answer."""
    with translation.override(language):
        if reply_by_email:
            return _("To answer, reply to this email or write on your personal page: %(url)s") % {
                "url": url
            }
        return _("To answer, write on your personal page: %(url)s") % {"url": url}


# Said the same in every language: it leads the SMS and the email subject.
TEST_MARK = "TEST"


def texts_marked_test(*, texts: dict, language: str, note: str = "") -> dict:
    """An exercise's texts as they go out, in ``language``: "TEST" before the
    SMS, "[TEST]" before the email subject, a line saying it is an exercise
    above the email body, and "this is a test" spoken before and after a
    call's text (``voice``). ``note`` replaces that line (a test to oneself).

    Pure: no database read, so the sending marks each delivery for free."""
    with translation.override(language):
        note = note or _(
            "TEST: this is an exercise of your neighbourhood information network. "
            "Nothing is happening and you need not do anything."
        )
        spoken = _("This is a test.")
    sms = texts.get("sms", "")
    return {
        "sms": f"{TEST_MARK} {sms}",
        "subject": f"[{TEST_MARK}] {texts.get('subject') or sms[:80]}",
        "body": f"{note}\n\n{texts.get('body') or sms}",
        "voice": f"{spoken} {sms} {spoken}",
    }


FINAL = {Delivery.Status.DELIVERED, Delivery.Status.UNDELIVERED, Delivery.Status.FAILED}
# Nothing more happens to these: sent (email gives no report), cancelled, and
# expired (not handed to a provider before the message's validity ended).
DONE = FINAL | {Delivery.Status.SENT, Delivery.Status.CANCELLED, Delivery.Status.EXPIRED}


def message_validity_problem(*, expires_at, now=None) -> str:
    """Why a chosen "valid until" cannot be (empty when it can): it must lie
    in the future and at most ``Message.MAX_VALIDITY`` ahead."""
    now = now or timezone.now()
    if expires_at <= now:
        return _("Choose a moment in the future.")
    if expires_at > now + Message.MAX_VALIDITY:
        return _("A message is valid for at most %(days)s days.") % {
            "days": Message.MAX_VALIDITY.days
        }
    return ""


def message_progress(*, message: Message, networks=None) -> dict:
    """Counts per channel and status, and how far the fan-out is, in one query.

    ``networks`` (None: all targeted) limits the counts to the deliveries to
    members of those networks: a coordinator of one of several targeted
    networks sees their own network's figures only.
    """
    deliveries = Delivery.objects.filter(message=message)
    if networks is not None:
        deliveries = deliveries.filter(member__network__in=list(networks))
    rows = deliveries.values("channel", "status").annotate(n=Count("id")).order_by()
    table: dict[str, dict[str, int]] = {}
    total = done = expired = 0
    for row in rows:
        table.setdefault(row["channel"], {})[row["status"]] = row["n"]
        total += row["n"]
        if row["status"] in DONE:
            done += row["n"]
        if row["status"] == Delivery.Status.EXPIRED:
            expired += row["n"]
    return {
        "table": table,
        "total": total,
        "done": done,
        "expired": expired,
        "percent": round(100 * done / total) if total else (100 if message.fanout_done_at else 0),
        "finished": bool(message.fanout_done_at) and done == total,
        "statuses": Delivery.Status.choices,
    }


def message_failures(*, message: Message) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(
            message=message,
            status__in=[Delivery.Status.FAILED, Delivery.Status.UNDELIVERED],
        )
        .select_related("member")
        .order_by("-updated_at")
    )


def message_history(*, network: Network) -> QuerySet[Message]:
    """The messages to a network, newest first, with the deliveries to its own
    members counted (a message to several networks counts this one's only)."""
    return (
        Message.objects.filter(networks=network)
        .select_related("created_by")
        .annotate(delivery_count=Count("deliveries", filter=Q(deliveries__member__network=network)))
        .order_by("-created_at")
    )


def alerts_without_feedback(*, networks: QuerySet[Network], hours: int = 24) -> QuerySet[Message]:
    """Urgent alerts published more than ``hours`` ago that no feedback follows
    yet. Exercises are neither alerts waiting for feedback nor feedback, and
    cancel notices are no alerts of their own."""
    feedback = Message.objects.filter(
        follows=OuterRef("pk"),
        kind=Message.Kind.FEEDBACK,
        status=Message.Status.PUBLISHED,
        is_exercise=False,
    )
    return (
        Message.objects.filter(
            kind=Message.Kind.URGENT,
            status=Message.Status.PUBLISHED,
            is_exercise=False,
            networks__in=networks,
            published_at__lt=timezone.now() - timedelta(hours=hours),
            cancels__isnull=True,
        )
        .filter(~Exists(feedback))
        .distinct()
        .order_by("published_at")
    )


def messages_awaiting_approval(*, user) -> QuerySet[Message]:
    """Coordinators' and municipal staff's messages waiting for this officer
    (or admin)."""
    roles = user_roles(user=user)
    qs = Message.objects.filter(status=Message.Status.PENDING_APPROVAL)
    if not roles.is_admin:
        qs = qs.filter(networks__police_zone_id__in=roles.officer_of_zones)
    return qs.select_related("created_by").distinct().order_by("created_at")


def compose_country(*, user) -> str:
    """The country whose emergency numbers fill a template for this user:
    their police zone's, else the country of a network they run (or of their
    municipality, for municipal staff); Belgium for
    platform admins without either."""
    roles = user_roles(user=user)
    zone_country = (
        PoliceZone.objects.filter(pk__in=roles.officer_of_zones)
        .order_by("pk")
        .values_list("country", flat=True)
        .first()
    )
    if zone_country:
        return zone_country
    network_country = (
        Network.objects.filter(
            Q(pk__in=roles.coordinates) | Q(municipality_id__in=roles.staff_of_municipalities)
        )
        .order_by("pk")
        .values_list("country", flat=True)
        .first()
    )
    return network_country or Country.BELGIUM


def message_template_initial(
    *, template: MessageTemplate, country: str, network: Network | None = None
) -> dict:
    """The compose form's initial values from a template, its ``{police}`` and
    ``{emergency}`` placeholders filled with the country's numbers (BE: 101
    and 112; NL: 0900-8844 and 112) and ``{network}`` with the network's name
    when the writer writes for one network only. ``{street}``, ``{time}`` and
    ``{vehicle}`` are left for the writer (the form refuses them unfilled)."""
    values = country_numbers(country=country)
    if network is not None:
        values["network"] = network.name
    initial = {"kind": template.kind}
    for code, text in template.texts.items():
        for part in ("sms", "subject", "body"):
            initial[f"{part}_{code}"] = template_fill(text=text.get(part, ""), values=values)
    return initial


def message_templates_for(*, user) -> QuerySet:
    """The standard templates plus those of the user's zones (a zone's version
    of a standard template in its place)."""
    return template_library(user=user)


def messages_written_by(*, user, limit: int = 20) -> list[Message]:
    """The user's own messages, newest first: municipal staff follow their
    drafts here (they do not see the networks' message lists)."""
    return list(Message.objects.filter(created_by=user).order_by("-created_at")[:limit])
