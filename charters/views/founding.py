"""The founding checklist of a network: steps, their dates and attachments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from charters.forms.founding import AttachmentForm, FoundingStepForm
from charters.models import FoundingAttachment, FoundingStep
from charters.selectors.founding import founding_progress
from charters.selectors.starting import interest_confirmed_count
from charters.services.founding import (
    founding_attachment_add,
    founding_step_update,
    founding_steps_ensure,
)
from charters.services.founding import (
    founding_attachment_delete as founding_attachment_delete_service,
)
from networks.views import network_from_url


@login_required
@permission_required("charters.view_founding", fn=network_from_url, raise_exception=True)
def founding_checklist(request: HttpRequest, slug: str) -> HttpResponse:
    network = network_from_url(request, slug)
    return render(
        request,
        "charters/founding/checklist.html",
        {
            "network": network,
            "progress": founding_progress(network=network),
            "can_edit": request.user.has_perm("charters.edit_founding", network),
            # A count only: who is on the list is nobody's business.
            "interest_count": interest_confirmed_count(network=network),
        },
    )


@login_required
@permission_required("charters.edit_founding", fn=network_from_url, raise_exception=True)
def founding_step(request: HttpRequest, slug: str, step: str) -> HttpResponse:
    network = network_from_url(request, slug)
    if step not in FoundingStep.Step.values:
        raise Http404
    steps = {s.step: s for s in founding_steps_ensure(network=network)}
    row = steps[step]
    form = FoundingStepForm(
        request.POST if request.POST.get("action") == "save" else None, instance=row
    )
    upload = AttachmentForm(
        request.POST if request.POST.get("action") == "upload" else None,
        request.FILES if request.POST.get("action") == "upload" else None,
    )
    if request.method == "POST" and request.POST.get("action") == "save" and form.is_valid():
        try:
            founding_step_update(
                step=row,
                updated_by=request.user,
                done_on=form.cleaned_data["done_on"],
                responsible=form.cleaned_data["responsible"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The step was saved."))
            return redirect("charters:founding", slug=network.slug)
    if request.method == "POST" and request.POST.get("action") == "upload" and upload.is_valid():
        try:
            founding_attachment_add(
                step=row, upload=upload.cleaned_data["file"], uploaded_by=request.user
            )
        except ValidationError as exc:
            errors_to_form(upload, exc)
        else:
            messages.success(request, _("The file was attached."))
            return redirect("charters:founding_step", slug=network.slug, step=step)
    return render(
        request,
        "charters/founding/step.html",
        {
            "network": network,
            "step": row,
            "form": form,
            "upload": upload,
            "attachments": row.attachments.select_related("uploaded_by"),
        },
    )


def _attachment(request: HttpRequest, slug: str, pk: int) -> FoundingAttachment:
    network = network_from_url(request, slug)
    return get_object_or_404(
        FoundingAttachment.objects.select_related("step"), pk=pk, step__network=network
    )


@login_required
@permission_required("charters.view_founding", fn=network_from_url, raise_exception=True)
def founding_attachment(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """An attachment, only through this permission-checked view (never MEDIA_URL)."""
    attachment = _attachment(request, slug, pk)
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
@permission_required("charters.edit_founding", fn=network_from_url, raise_exception=True)
def founding_attachment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    attachment = _attachment(request, slug, pk)
    step = attachment.step.step
    founding_attachment_delete_service(attachment=attachment, deleted_by=request.user)
    messages.success(request, _("The file was removed."))
    return redirect("charters:founding_step", slug=slug, step=step)
