from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers
from rules.contrib.views import permission_required

from members.models import Member
from members.selectors import member_list, member_status_counts
from networks.models import Network

PAGE_SIZE = 50


def _network(request: HttpRequest, slug: str, **_kwargs) -> Network:
    return get_object_or_404(
        Network.objects.select_related("municipality", "police_zone"), slug=slug
    )


@login_required
@permission_required("members.view_member_list", fn=_network, raise_exception=True)
@vary_on_headers("HX-Request")
def member_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    status = request.GET.get("status", "")
    if status not in Member.Status.values:
        status = ""
    # PostgreSQL refuses NUL in text; nobody types one on purpose.
    search = request.GET.get("q", "").replace("\x00", "")[:100]
    page = Paginator(
        member_list(network=network, search=search, status=status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "network": network,
        "page": page,
        "search": search,
        "status": status,
        "statuses": Member.Status.choices,
        "counts": member_status_counts(network=network),
        "show_contact": request.user.has_perm("members.view_member_contact", network),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "members/_member_rows.html" if partial else "members/member_list.html"
    return render(request, template, context)


@login_required
@permission_required("members.view_member_list", fn=_network, raise_exception=True)
def member_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    member = get_object_or_404(Member.objects.filter(network=network), pk=pk)
    return render(
        request,
        "members/member_detail.html",
        {
            "network": network,
            "member": member,
            "consents": member.consents.select_related("recorded_by"),
            "show_contact": request.user.has_perm("members.view_member_contact", network),
        },
    )
