"""Import a member list (upload, preview, confirm) and export it (CSV, XLSX)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from rules.contrib.views import permission_required

from bin_platform.spreadsheets import XLSX_TYPE
from members.forms.imports import MemberImportForm
from members.models import MemberImport
from members.selectors.imports import import_recent
from members.selectors.staff import member_nav_context
from members.services.exports import export_csv_stream, export_xlsx_content, member_export_log
from members.services.import_rows import IMPORT_COLUMNS, import_field_label
from members.services.imports import (
    contact_mask,
    import_cancel,
    import_commit,
    import_error_report,
    import_preview,
    import_template_csv,
)
from networks.models import Network
from networks.views import network_from_url as _network

PREVIEW_PAGE_SIZE = 100


def _context(request: HttpRequest, network: Network, **extra) -> dict:
    return {**member_nav_context(user=request.user, network=network), **extra}


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required("members.import_members", fn=_network, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_import = import_preview(
                network=network,
                uploaded_file=form.cleaned_data["file"],
                created_by=request.user,
                hide_existing=not request.user.has_perm("members.view_member_contact", network),
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if member_import.ignored_columns:
                messages.info(
                    request,
                    _("These columns were not recognised and are left out: %(columns)s.")
                    % {"columns": ", ".join(member_import.ignored_columns)},
                )
            return redirect("members:imports:preview", slug=network.slug, pk=member_import.pk)
    context = _context(
        request,
        network,
        form=form,
        imports=import_recent(network=network),
        columns=[(c, import_field_label(c)) for c in IMPORT_COLUMNS],
    )
    return render(request, "members/imports/upload.html", context)


def _display_rows(rows: list[dict], *, show_contact: bool) -> list[dict]:
    """Rows for the preview table; contact data masked when the user may not see it."""
    shown = []
    for row in rows:
        values = dict(row.get("values") or {})
        errors = row.get("errors") or {}
        original = row.get("raw") or values
        problems = []
        for field, messages_ in errors.items():
            raw = str(original.get(field, "") or "")
            for message in messages_:
                if not show_contact and field in ("email", "mobile_phone", "landline") and raw:
                    message = message.replace(raw, contact_mask(raw))
                problems.append((import_field_label(field), message))
        if not show_contact:
            for field in ("email", "mobile_phone", "landline"):
                values[field] = contact_mask(values.get(field, ""))
        channels = values.get("channels") or []
        values["channels"] = ", ".join(channels) if isinstance(channels, list) else channels
        shown.append(
            {"line": row["line"], "values": values, "problems": problems, "invalid": bool(errors)}
        )
    return shown


@login_required
@permission_required("members.import_members", fn=_network, raise_exception=True)
@require_http_methods(["GET", "POST"])
@never_cache
def import_preview_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    member_import = get_object_or_404(MemberImport.objects.filter(network=network), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                done = import_commit(
                    member_import=member_import,
                    confirmed_by=request.user,
                    attested=request.POST.get("attest") == "on",
                    hide_existing=not request.user.has_perm("members.view_member_contact", network),
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)s member imported; they get a welcome message.",
                        "%(count)s members imported; each gets a welcome message.",
                        done.imported_count,
                    )
                    % {"count": done.imported_count},
                )
                return redirect("members:list", slug=network.slug)
            if action == "cancel":
                import_cancel(member_import=member_import, cancelled_by=request.user)
                messages.info(request, _("Import cancelled; nobody was added."))
                return redirect("members:imports:upload", slug=network.slug)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("members:imports:preview", slug=network.slug, pk=member_import.pk)

    only_errors = request.GET.get("show") == "errors"
    rows = member_import.rows
    if only_errors:
        rows = [row for row in rows if row.get("errors")]
    page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    show_contact = request.user.has_perm("members.view_member_contact", network)
    context = _context(
        request,
        network,
        member_import=member_import,
        page=page,
        rows=_display_rows(list(page.object_list), show_contact=show_contact),
        only_errors=only_errors,
        show_contact=show_contact,
        has_errors=any(row.get("errors") for row in member_import.rows),
        is_preview=member_import.status == MemberImport.Status.PREVIEW,
    )
    return render(request, "members/imports/preview.html", context)


@login_required
@permission_required("members.import_members", fn=_network, raise_exception=True)
@require_GET
@never_cache
def import_errors(request: HttpRequest, slug: str, pk: int) -> StreamingHttpResponse:
    network = _network(request, slug)
    member_import = get_object_or_404(MemberImport.objects.filter(network=network), pk=pk)
    lines = import_error_report(
        member_import=member_import,
        mask_contact=not request.user.has_perm("members.view_member_contact", network),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"import-{member_import.pk}-errors.csv")


@login_required
@permission_required("members.import_members", fn=_network, raise_exception=True)
@require_GET
def import_template(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    network = _network(request, slug)
    lines = import_template_csv(network=network)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"members-{network.slug}-example.csv")


def _export_filename(network: Network, extension: str) -> str:
    return f"members-{network.slug}-{timezone.localdate():%Y%m%d}.{extension}"


@login_required
@permission_required("members.export_members", fn=_network, raise_exception=True)
@require_GET
@never_cache
def export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    network = _network(request, slug)
    member_export_log(network=network, actor=request.user, file_format="csv")
    response = StreamingHttpResponse(
        export_csv_stream(network=network), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, _export_filename(network, "csv"))


@login_required
@permission_required("members.export_members", fn=_network, raise_exception=True)
@require_GET
@never_cache
def export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    member_export_log(network=network, actor=request.user, file_format="xlsx")
    response = HttpResponse(export_xlsx_content(network=network), content_type=XLSX_TYPE)
    return _attachment(response, _export_filename(network, "xlsx"))
