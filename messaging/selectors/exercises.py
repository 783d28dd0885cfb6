"""Reads for rehearsing a message: the members an exercise may go to, and
the exercises of a draft."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from members.models import Member
from messaging.models import Message

# Members listed at once on the exercise form; a search narrows the list.
CHOICES_SHOWN = 100


def exercise_member_choices(*, message: Message, user) -> QuerySet[Member]:
    """The active members of the message's networks whose member list
    ``user`` may see (a coordinator: their own network's), by name."""
    networks = [n for n in message.networks.all() if user.has_perm("members.view_member_list", n)]
    return (
        Member.objects.active()
        .filter(network__in=networks)
        .select_related("network")
        .order_by("last_name", "first_name", "pk")
    )


def exercise_member_search(*, members: QuerySet[Member], search: str) -> QuerySet[Member]:
    """``members`` whose name or street holds every word of ``search``."""
    for word in search.split()[:5]:
        members = members.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(street__icontains=word)
        )
    return members


def message_exercises(*, message: Message) -> QuerySet[Message]:
    """The exercises sent from a draft, newest first."""
    return message.exercises.select_related("created_by").order_by("-created_at")
