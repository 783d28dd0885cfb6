"""The member's contact details on their personal page (house rule 7): a new
email address, mobile number, landline or address, and the proofs of a new
email address (a link) and mobile number (an SMS code).

The rules live in ``members.services.contact_changes``; these views read the
forms, call one service and show its errors next to the fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bin_platform.forms import errors_to_form
from members.models import ContactChange, Member
from members.selectors.contact_changes import contact_change_of_member, contact_changes_open
from members.services.contact_changes import (
    contact_address_change,
    contact_change_cancel,
    contact_code_verify,
    contact_email_change,
    contact_email_confirm,
    contact_landline_change,
    contact_mobile_change,
)
from members.services.contact_removal import contact_remove
from networks.selectors import street_names
from personal.decorators import invalid_link, keep_private, personal_page
from personal.forms.contact import (
    AddressChangeForm,
    ContactCodeForm,
    EmailChangeForm,
    LandlineChangeForm,
    MobileChangeForm,
)

_FORMS = {
    "email": lambda data, member: EmailChangeForm(data, prefix="email"),
    "mobile": lambda data, member: MobileChangeForm(data, prefix="mobile", member=member),
    "landline": lambda data, member: LandlineChangeForm(data, prefix="landline"),
    "address": lambda data, member: AddressChangeForm(data, prefix="address"),
}


def _outside_area(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and any(
        error.code == "outside" for errors in exc.error_dict.values() for error in errors
    )


def _submit(*, which: str, member: Member, data: dict) -> tuple[ContactChange, str]:
    """Call the service of one form; the change and what to tell the member."""
    field = {"email": "email", "mobile": "mobile_phone"}.get(which)
    if field and not data[field]:
        change = contact_remove(member=member, field=field)
        return change, _("It has been removed; we no longer use it.")
    if which == "email":
        change = contact_email_change(member=member, email=data["email"])
        return change, _(
            "We sent a link to %(email)s. Open it to start using this address; until then "
            "we keep using your current one."
        ) % {"email": data["email"]}
    if which == "mobile":
        change = contact_mobile_change(member=member, mobile_phone=data["mobile_phone"])
        return change, _("We sent a code by SMS to your new number. Enter it below.")
    if which == "landline":
        change = contact_landline_change(member=member, landline=data["landline"])
        return change, _("Your landline has been saved.")
    change = contact_address_change(member=member, **data)
    if change.status == ContactChange.Status.AWAITING_DECISION:
        return change, _(
            "Your new address lies outside the network's area. Your coordinator decides "
            "whether you stay a member; until then we keep your current address."
        )
    return change, _("Your new address has been saved.")


@personal_page
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    """The member's contact details and a form to change each of them."""
    forms = {which: make(None, member) for which, make in _FORMS.items()}
    outside = False
    which = request.POST.get("form", "") if request.method == "POST" else ""
    if which in _FORMS:
        form = forms[which] = _FORMS[which](request.POST, member)
        if form.is_valid():
            try:
                _change, text = _submit(which=which, member=member, data=form.cleaned_data)
            except ValidationError as exc:
                outside = _outside_area(exc)
                errors_to_form(form, exc)
            else:
                messages.success(request, text)
                return redirect("personal:contact", token)
    elif request.method == "POST":
        messages.error(request, _("Choose what you want to change."))
    return _page(request, member=member, token=token, forms=forms, outside=outside)


def _page(
    request: HttpRequest, *, member: Member, token: str, forms: dict | None = None,
    outside: bool = False, code_form: ContactCodeForm | None = None, code_for: int | None = None,
) -> HttpResponse:  # fmt: skip
    """The contact page; ``code_form`` (bound, with its error) belongs to change ``code_for``."""
    return render(
        request,
        "personal/contact/contact.html",
        {
            "member": member,
            "network": member.network,
            "token": token,
            "forms": forms or {which: make(None, member) for which, make in _FORMS.items()},
            "outside": outside,
            "open_changes": contact_changes_open(member=member),
            "code_form": code_form if code_form is not None else ContactCodeForm(),
            "code_for": code_for,
            "streets": street_names(network=member.network),
        },
    )


@personal_page
@require_POST
def contact_code(request: HttpRequest, *, member: Member, token: str, pk: int) -> HttpResponse:
    """Check the SMS code of a new mobile number."""
    change = contact_change_of_member(member=member, pk=pk)
    if change is None:
        return invalid_link(request)
    form = ContactCodeForm(request.POST)
    if form.is_valid():
        try:
            contact_code_verify(change=change, code=form.cleaned_data["code"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("Your new mobile number is confirmed and used from now on.")
            )
            return redirect("personal:contact", token)
    return _page(request, member=member, token=token, code_form=form, code_for=change.pk)


@personal_page
@require_POST
def contact_cancel(request: HttpRequest, *, member: Member, token: str, pk: int) -> HttpResponse:
    """Withdraw an open change; the current value stays."""
    change = contact_change_of_member(member=member, pk=pk)
    if change is None:
        return invalid_link(request)
    try:
        contact_change_cancel(change=change)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The change has been cancelled."))
    return redirect("personal:contact", token)


@require_http_methods(["GET", "POST"])
def contact_confirm_email(request: HttpRequest, secret: str) -> HttpResponse:
    """The link sent to a new email address. Opening it shows a button: mail
    scanners that follow links must not confirm an address on their own."""
    context = {"secret": secret}
    if request.method == "POST":
        try:
            change = contact_email_confirm(secret=secret)
        except ValidationError as exc:
            context["error"] = exc.messages[0]
        else:
            context["done"] = True
            context["network"] = change.member.network
    return keep_private(render(request, "personal/contact/confirm_email.html", context))
