"""Keep users whose role demands MFA away from every page until they enrolled."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import user_has_mfa, user_requires_mfa

# Paths a user without a second factor may still open: enrolment itself, the
# session's way out, public pages and static files.
_ALLOWED_PREFIXES = (
    "/accounts/",  # allauth: logout, password change, MFA enrolment, reauthentication
    "/i18n/",
    "/static/",
    "/healthz/",
    "/networks/",  # the public network pages and sign-up; internal pages live under /manage/
    "/me/",  # a member's personal page (their own link, no account)
    "/m/",  # the short form of that link, in SMS
    "/invitations/",
    "/favicon.ico",
)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path_info != "/"
            and not request.path_info.startswith(_ALLOWED_PREFIXES)
            and user_requires_mfa(user=user)
            and not user_has_mfa(user=user)
        ):
            if request.htmx if hasattr(request, "htmx") else False:
                response = redirect(reverse("accounts:mfa_required"))
                response["HX-Redirect"] = reverse("accounts:mfa_required")
                return response
            messages.warning(
                request,
                _(
                    "Your role gives access to personal data: "
                    "set up two-factor authentication first."
                ),
            )
            return redirect("accounts:mfa_required")
        return self.get_response(request)
