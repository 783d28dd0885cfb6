"""The message template library of a police zone: list, new, edit (with a
preview that fills the placeholders), delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from messaging.forms.messages import LANGUAGES
from messaging.forms.templates import TemplateForm
from messaging.models import Message, MessageTemplate
from messaging.selectors.messages import compose_country
from messaging.selectors.templates import (
    PLACEHOLDERS,
    template_preview,
    template_standard_set,
    template_zones,
)
from messaging.services.templates import message_template_delete, message_template_save


def _template(request: HttpRequest, pk: int) -> MessageTemplate:
    cached = getattr(request, "_bin_template", None)
    if cached is None or cached.pk != pk:
        cached = get_object_or_404(
            MessageTemplate.objects.select_related("police_zone", "overrides"), pk=pk
        )
        request._bin_template = cached
    return cached


def _chosen_zone(request: HttpRequest, zones):
    zone_id = request.GET.get("zone", "")
    zone = zones.filter(pk=int(zone_id)).first() if zone_id.isdigit() else None
    return zone or zones.first()


@login_required
@permission_required("messaging.view_templates", raise_exception=True)
def template_list(request: HttpRequest) -> HttpResponse:
    """A zone's templates and the standard set, each standard template with
    the zone's version that replaces it, if any."""
    zones = template_zones(user=request.user)
    zone = _chosen_zone(request, zones)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Message.Kind.values else ""
    own = MessageTemplate.objects.filter(police_zone=zone).select_related("overrides")
    standard = template_standard_set()
    if kind:
        own, standard = own.filter(kind=kind), standard.filter(kind=kind)
    replaced = {t.overrides_id: t for t in own if t.overrides_id}
    return render(
        request,
        "messaging/templates/list.html",
        {
            "zones": zones,
            "zone": zone,
            "kind": kind,
            "kinds": Message.Kind.choices,
            "own": own.order_by("kind", "title"),
            "standard": [(t, replaced.get(t.pk)) for t in standard],
            "can_edit_standard": request.user.has_perm("messaging.manage_templates", None),
        },
    )


def _render_form(request, form, *, template=None, zone=None, preview=None, status=200):
    if zone is None and template is not None:
        zone = template.police_zone
    return render(
        request,
        "messaging/templates/form.html",
        {
            "form": form,
            "template": template,
            "zone": zone,
            "preview": preview,
            "placeholders": [f"{{{n}}}" for n in PLACEHOLDERS],
            "compose_languages": LANGUAGES,
        },
        status=status,
    )


def _preview(request, form, zone) -> list[dict]:
    country = zone.country if zone is not None else compose_country(user=request.user)
    return template_preview(
        texts=form.cleaned_data["texts"], country=country, values=form.preview_values()
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("messaging.view_templates", raise_exception=True)
def template_new(request: HttpRequest) -> HttpResponse:
    """A new template of one of the user's zones; ``?overrides=<pk>`` starts
    from a standard template, as the zone's version of it."""
    zones = template_zones(user=request.user)
    initial: dict = {"police_zone": _chosen_zone(request, zones)}
    standard_id = request.GET.get("overrides", "")
    if standard_id.isdigit():
        standard = template_standard_set().filter(pk=int(standard_id)).first()
        if standard is not None:
            initial.update(TemplateForm.initial_from(standard), overrides=standard)
    form = TemplateForm(request.POST or None, initial=initial, zones=zones)
    if request.method == "POST":
        if not form.is_valid():
            return _render_form(request, form, status=400)
        zone = form.cleaned_data["police_zone"]
        if "preview" in request.POST:
            return _render_form(request, form, zone=zone, preview=_preview(request, form, zone))
        try:
            template = message_template_save(
                saved_by=request.user, police_zone=zone, kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"], texts=form.cleaned_data["texts"],
                overrides=form.cleaned_data.get("overrides"),
            )  # fmt: skip
        except ValidationError as exc:
            errors_to_form(form, exc)
            return _render_form(request, form, status=400)
        messages.success(request, _("The template is saved."))
        return redirect(f"{_list_url()}?zone={template.police_zone_id}")
    return _render_form(request, form)


def _list_url() -> str:
    return reverse("messaging:templates")


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("messaging.change_template", fn=_template, raise_exception=True)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    form = TemplateForm(
        request.POST or None,
        initial=TemplateForm.initial_from(template),
        zones=template_zones(user=request.user),
        template=template,
    )
    if request.method == "POST":
        if not form.is_valid():
            return _render_form(request, form, template=template, status=400)
        if "preview" in request.POST:
            preview = _preview(request, form, template.police_zone)
            return _render_form(request, form, template=template, preview=preview)
        try:
            message_template_save(
                saved_by=request.user, template=template, police_zone=template.police_zone,
                kind=form.cleaned_data["kind"], title=form.cleaned_data["title"],
                texts=form.cleaned_data["texts"], overrides=form.cleaned_data.get("overrides"),
            )  # fmt: skip
        except ValidationError as exc:
            errors_to_form(form, exc)
            return _render_form(request, form, template=template, status=400)
        messages.success(request, _("The template is saved."))
        zone = f"?zone={template.police_zone_id}" if template.police_zone_id else ""
        return redirect(_list_url() + zone)
    return _render_form(request, form, template=template)


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("messaging.change_template", fn=_template, raise_exception=True)
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    if request.method == "POST":
        zone_id = template.police_zone_id
        message_template_delete(template=template, deleted_by=request.user)
        messages.success(request, _("The template is deleted."))
        return redirect(_list_url() + (f"?zone={zone_id}" if zone_id else ""))
    return render(request, "messaging/templates/delete.html", {"template": template})
