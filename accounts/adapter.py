"""allauth adapter: no open sign-up; staff accounts come from invitations."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff accounts are created only by accepting an invitation
        # (accounts.services.invitation_accept), never through allauth's form.
        return False
