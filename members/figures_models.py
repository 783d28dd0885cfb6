"""Member figures per network, kept up to date for the dashboards by
database triggers on the member table (migration ``0010_s20h_member_figures``,
PostgreSQL only; ``members.figures`` says how). Registered through
``members.models``.

No foreign keys: the triggers write these rows whatever deletes members or
networks, and a network's rows go to zero (and away) with its members."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberCount(models.Model):
    """How many members of a network have this status and street, and
    whether (pending) they await approval: email verified, and phone
    verified or none given (``MemberQuerySet.awaiting_approval``)."""

    network_id = models.BigIntegerField()
    status = models.CharField(max_length=10)
    awaiting = models.BooleanField(default=False)
    street = models.CharField(max_length=120)
    members = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("member count")
        constraints = [
            models.UniqueConstraint(
                fields=["network_id", "status", "awaiting", "street"],
                name="one_member_count_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"network {self.network_id}, {self.status}, {self.street}: {self.members}"


class MemberFlow(models.Model):
    """Members of a network who joined and who left on a day (in the
    platform's time zone, ``members.figures.FIGURES_TIME_ZONE``), as
    ``reports.selectors.members`` defines joining and leaving."""

    network_id = models.BigIntegerField()
    day = models.DateField()
    joined = models.IntegerField(default=0)
    left = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("members joined and left on a day")
        # The national dashboard reads a few days of every network.
        indexes = [models.Index(fields=["day"], name="member_flow_day")]
        constraints = [
            models.UniqueConstraint(fields=["network_id", "day"], name="one_member_flow_per_day")
        ]

    def __str__(self) -> str:
        return f"network {self.network_id}, {self.day}: +{self.joined} -{self.left}"


class MemberFlowMonth(models.Model):
    """``MemberFlow`` added up per month (``month``: its first day): a long
    period reads its whole months here, and only its partial months per day."""

    network_id = models.BigIntegerField()
    month = models.DateField()
    joined = models.IntegerField(default=0)
    left = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("members joined and left in a month")
        constraints = [
            models.UniqueConstraint(
                fields=["network_id", "month"], name="one_member_flow_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"network {self.network_id}, {self.month:%Y-%m}: +{self.joined} -{self.left}"


class MemberEarlyLeave(models.Model):
    """Members whose leaving day lies before their joining day (dates entered
    by hand or imported): the count at a day's start needs them apart, as
    they left before they joined. Usually empty."""

    network_id = models.BigIntegerField()
    left_day = models.DateField()
    joined_day = models.DateField()
    members = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("members who left before joining")
        constraints = [
            models.UniqueConstraint(
                fields=["network_id", "left_day", "joined_day"], name="one_early_leave_per_days"
            )
        ]

    def __str__(self) -> str:
        return f"network {self.network_id}: {self.members} left {self.left_day}"
