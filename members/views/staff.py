"""The coordinator's member management (list, queue, add, edit, actions)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from members.forms.staff import BulkActionForm, MemberFilterForm, MemberForm, RejectForm
from members.hooks import house_rules_current
from members.models import AuditEntry, ConsentRecord, Member, Rejection
from members.selectors.contact_changes import contact_changes_awaiting_decision
from members.selectors.staff import (
    MemberFilter,
    audit_entries,
    member_approval_queue,
    member_data_report,
    member_list,
    member_nav_context,
    member_status_counts,
    rejection_list,
)
from members.services.core import (
    EDITABLE_FIELDS,
    audit_log,
    member_approve,
    member_erase,
    member_reactivate,
    member_reject,
    member_suspend,
    member_update,
    member_welcome_send,
)
from members.services.duplicates import member_add as member_add_service
from networks.models import Network
from networks.views import network_from_url as _network

PAGE_SIZE = 50
MEMBER_ACTIONS = ("approve", "reject", "suspend", "reactivate", "remove")


def _member(network: Network, pk: int) -> Member:
    return get_object_or_404(
        Member.objects.filter(network=network).exclude(status=Member.Status.LEFT), pk=pk
    )


def _nav(request: HttpRequest, network: Network) -> dict:
    return member_nav_context(user=request.user, network=network)


@login_required
@permission_required("members.view_member_list", fn=_network, raise_exception=True)
@vary_on_headers("HX-Request")
def member_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = MemberFilterForm(request.GET or None, network=network)
    data = form.cleaned_data if form.is_valid() else {}
    filters = MemberFilter(
        search=data.get("q", "")[:100],
        status=data.get("status", ""),
        street=data.get("street", ""),
        language=data.get("language", ""),
        channel=data.get("channel", ""),
        sort=data.get("sort") or "name",
    )
    nav = _nav(request, network)
    members = member_list(network=network, filters=filters, search_contact=nav["show_contact"])
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    if not nav["show_contact"]:
        form.fields["q"].label = _("Search name or street")
    context = {
        **nav,
        "page": page,
        "filter_form": form,
        "query": query.urlencode(),
        "counts": member_status_counts(network=network),
        "bulk_actions": BulkActionForm.ACTIONS,
    }
    # htmx swaps only the rows; a history restore needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "members/staff/_member_rows.html" if partial else "members/staff/member_list.html"
    return render(request, template, context)


@login_required
@permission_required("members.view_member_list", fn=_network, raise_exception=True)
def member_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    member = _member(network, pk)
    nav = _nav(request, network)
    audit_log(
        actor=request.user,
        action=AuditEntry.Action.VIEW_MEMBER,
        network=network,
        member=member,
        detail={"contact_shown": nav["show_contact"]},
    )
    return render(
        request,
        "members/staff/member_detail.html",
        {
            **nav,
            "member": member,
            "consents": member.consents.select_related("recorded_by"),
            "reject_form": RejectForm(),
            "contact_changes": contact_changes_awaiting_decision(network=network, member=member),
        },
    )


@login_required
@permission_required("members.view_member_list", fn=_network, raise_exception=True)
def member_queue(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    return render(
        request,
        "members/staff/member_queue.html",
        {
            **_nav(request, network),
            "members": member_approval_queue(network=network)[:500],
            "rejection_categories": Rejection.Category.choices,
        },
    )


@login_required
@permission_required("members.manage_members", fn=_network, raise_exception=True)
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = MemberForm(request.POST or None, network=network, adding=True)
    # Privacy mode: no answer may tell whether an address belongs to a member.
    hide = not request.user.has_perm("members.view_member_contact", network)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        method = data.pop("consent_method")
        data.pop("consent_confirmed")
        rules_version = house_rules_current(network=network).version
        try:
            member = member_add_service(
                network=network,
                hide_duplicates=hide,
                status=Member.Status.ACTIVE,
                adult_confirmed=True,
                consents=[
                    (ConsentRecord.Subject.HOUSE_RULES, rules_version, method),
                    (ConsentRecord.Subject.PRIVACY_NOTICE, settings.PRIVACY_NOTICE_VERSION, method),
                ],
                recorded_by=request.user,
                **data,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if member is not None:
                member_welcome_send(member=member)
            name = member or f"{data['first_name']} {data['last_name']}".strip()
            messages.success(
                request, _("%(name)s was added and gets a welcome message.") % {"name": name}
            )
            if hide:
                # The same page whether the address was new or a member's.
                return redirect("members:list", slug=network.slug)
            return redirect("members:detail", slug=network.slug, pk=member.pk)
    return render(
        request,
        "members/staff/member_form.html",
        {**_nav(request, network), "form": form, "adding": True},
    )


@login_required
@permission_required("members.manage_members", fn=_network, raise_exception=True)
def member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    member = _member(network, pk)
    show_contact = request.user.has_perm("members.view_member_contact", network)
    initial = {name: getattr(member, name) for name in EDITABLE_FIELDS}
    for name in ("mobile_phone", "landline"):
        initial[name] = str(initial[name] or "")
    form = MemberForm(
        request.POST or None, initial=initial, network=network, adding=False, existing=member
    )
    if not show_contact:
        form.hide_contact()
    if request.method == "POST" and form.is_valid():
        fields = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in EDITABLE_FIELDS and name in form.fields
        }
        try:
            member_update(member=member, actor=request.user, **fields)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The member was saved."))
            return redirect("members:detail", slug=network.slug, pk=member.pk)
    return render(
        request,
        "members/staff/member_form.html",
        {**_nav(request, network), "form": form, "member": member, "adding": False},
    )


def _apply(action: str, member: Member, user, reason: str = "", category: str = "") -> None:
    if action == "approve":
        member_approve(member=member, approved_by=user)
    elif action == "reject":
        member_reject(member=member, rejected_by=user, reason=reason, category=category)
    elif action == "suspend":
        member_suspend(member=member, actor=user)
    elif action == "reactivate":
        member_reactivate(member=member, actor=user)
    elif action == "remove":
        member_erase(member=member, actor=user, reason="removed by coordinator")
    else:  # pragma: no cover - forms restrict the choices
        raise ValueError(action)


@login_required
@require_POST
@permission_required("members.manage_members", fn=_network, raise_exception=True)
def member_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Approve, reject (with a reason), suspend, reactivate or remove one member."""
    if action not in MEMBER_ACTIONS:
        raise Http404
    network = _network(request, slug)
    member = _member(network, pk)
    name = str(member)
    reason = category = ""
    if action == "reject":
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, _("Choose why the sign-up is rejected and give the applicant a reason.")
            )
            return redirect("members:detail", slug=network.slug, pk=member.pk)
        reason, category = form.cleaned_data["reason"], form.cleaned_data["category"]
    try:
        _apply(action, member, request.user, reason, category)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("members:detail", slug=network.slug, pk=member.pk)
    done = {
        "approve": _("%(name)s was approved and gets a welcome message."),
        "reject": _(
            "The sign-up of %(name)s was rejected; the reason was sent and the data deleted."
        ),
        "suspend": _("%(name)s is suspended and gets no messages."),
        "reactivate": _("%(name)s is active again."),
        "remove": _("%(name)s was removed; their personal data is erased."),
    }[action]
    messages.success(request, done % {"name": name})
    if action in ("reject", "remove"):
        return redirect("members:list", slug=network.slug)
    next_url = request.POST.get("next", "")
    if next_url == "queue":
        return redirect("members:queue", slug=network.slug)
    return redirect("members:detail", slug=network.slug, pk=member.pk)


@login_required
@require_POST
@permission_required("members.manage_members", fn=_network, raise_exception=True)
def member_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """One action on a selection. All or nothing: one refusal undoes the rest."""
    network = _network(request, slug)
    form = BulkActionForm(request.POST, network=network)
    back = reverse("members:list", args=[network.slug])
    if request.POST.get("query"):
        back += "?" + request.POST["query"]
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    action = form.cleaned_data["action"]
    selected = list(form.cleaned_data["members"])
    try:
        with transaction.atomic():
            for member in selected:
                try:
                    _apply(action, member, request.user)
                except ValidationError as exc:
                    raise ValidationError(
                        _("%(name)s: %(error)s") % {"name": member, "error": " ".join(exc.messages)}
                    ) from exc
    except ValidationError as exc:
        messages.error(request, _("Nothing was changed. ") + " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d member: %(action)s.", "%(count)d members: %(action)s.", len(selected))
        % {"count": len(selected), "action": dict(BulkActionForm.ACTIONS)[action]},
    )
    return redirect(back)


@login_required
@permission_required("members.view_member_contact", fn=_network, raise_exception=True)
def member_access_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Everything stored about one member, to answer an access request."""
    network = _network(request, slug)
    member = _member(network, pk)
    audit_log(
        actor=request.user,
        action=AuditEntry.Action.VIEW_ACCESS_REPORT,
        network=network,
        member=member,
    )
    return render(
        request,
        "members/staff/member_access_report.html",
        {**_nav(request, network), "member": member, "report": member_data_report(member=member)},
    )


@login_required
@permission_required("members.view_rejections", fn=_network, raise_exception=True)
def rejection_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's refused sign-ups, for the zone's officers' oversight."""
    network = _network(request, slug)
    page = Paginator(rejection_list(network=network), 100).get_page(request.GET.get("page"))
    return render(
        request, "members/staff/rejection_list.html", {**_nav(request, network), "page": page}
    )


@login_required
@permission_required("members.view_audit_log", fn=_network, raise_exception=True)
def audit_log_view(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    page = Paginator(audit_entries(network=network), 100).get_page(request.GET.get("page"))
    return render(request, "members/staff/audit_log.html", {**_nav(request, network), "page": page})
