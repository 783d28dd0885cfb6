"""The register of BIN signs: a table (always) and a map."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from charters.forms.signs import StreetSignForm
from charters.models import Sign
from charters.selectors.signs import sign_list, sign_map_data, signs_summary
from charters.services.signs import sign_delete as sign_delete_service
from charters.services.signs import sign_save
from networks.models import Network
from networks.selectors import street_names
from networks.views import network_from_url as _network

FIELDS = ("street", "house_number", "latitude", "longitude", "state", "placed_on", "notes")


def _sign(request: HttpRequest, slug: str, pk: int) -> Sign:
    return get_object_or_404(Sign.objects.select_related("network"), pk=pk, network__slug=slug)


@login_required
@permission_required("charters.view_signs", fn=_network, raise_exception=True)
def signs(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    rows = list(sign_list(network=network))
    return render(
        request,
        "charters/signs/list.html",
        {
            "network": network,
            "signs": rows,
            "summary": signs_summary(networks=[network]),
            "map_data": sign_map_data(network=network),
            "unmapped": sum(1 for s in rows if s.latitude is None),
            "can_manage": request.user.has_perm("charters.manage_signs", network),
        },
    )


def _form_page(request: HttpRequest, network: Network, sign: Sign | None) -> HttpResponse:
    initial = {name: getattr(sign, name) for name in FIELDS} if sign else {}
    form = StreetSignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data}
        try:
            sign_save(network=network, by=request.user, sign=sign, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The sign was saved."))
            return redirect("charters:governance:signs", slug=network.slug)
    return render(
        request,
        "charters/signs/form.html",
        {
            "network": network,
            "form": form,
            "sign": sign,
            "streets": street_names(network=network),
        },
    )


@login_required
@permission_required("charters.manage_signs", fn=_network, raise_exception=True)
def sign_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _form_page(request, _network(request, slug), None)


@login_required
@permission_required("charters.manage_signs", fn=_network, raise_exception=True)
def sign_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    sign = _sign(request, slug, pk)
    return _form_page(request, sign.network, sign)


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("charters.manage_signs", fn=_network, raise_exception=True)
def sign_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    sign = _sign(request, slug, pk)
    if request.method == "POST":
        sign_delete_service(sign=sign, by=request.user)
        messages.success(request, _("The sign was deleted from the register."))
        return redirect("charters:governance:signs", slug=slug)
    return render(request, "charters/signs/delete.html", {"network": sign.network, "sign": sign})
