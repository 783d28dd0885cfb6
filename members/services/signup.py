"""The public sign-up and its double verification.

The form checks eligibility (address in the area, adult, consents); here the
member is stored as pending, both addresses are proven (a signed link by
email, a 6-digit code by SMS) and, once both are, the sign-up is approved at
once (``Network.auto_approve``) or waits in the coordinator's queue.

A visitor must never learn whether an address is already known. A sign-up
with a known email or mobile number stores nothing in the database: the
existing member is told instead, and the visitor gets a *decoy* that mirrors a
real pending sign-up end to end. Its address that is not known gets a real
link or code, whose hash is kept in the cache, and using it succeeds with the
same pages and messages as a real one. A sign-up the form suspects of being
a bot's (its honeypot is filled in) gets a decoy that sends nothing (bots do
not read mail) but looks the same.

The building blocks live in ``signup_codes`` (rate limits, secrets, messages,
code checks) and ``signup_decoys``; this module holds the services.
"""

from __future__ import annotations

import hmac
import logging
from datetime import date, datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.hooks import house_rules_current
from members.models import ConsentRecord, Member, Source, Verification
from members.services.core import member_approve, member_create
from members.services.signup_codes import (
    _DECOY_LINK_PREFIX,
    _EMAIL_SALT,
    SignupProgress,
    SignupRateLimited,
    _Code,
    _code_ip_check,
    _code_try,
    _email_hash,
    _email_link_create,
    _email_link_send,
    _mask_email,
    _mask_phone,
    _resend_check,
    _secret_hash,
    _sms_code_send,
    _sms_locked,
    signup_rate_limits_check,
)
from members.services.signup_decoys import (
    _decoy_code_add,
    _decoy_codes,
    _decoy_get,
    _decoy_lock,
    _decoy_progress,
    _decoy_save,
    _decoy_sms_hash,
    _decoy_start,
)
from members.tokens import member_personal_url
from networks.models import Network
from outbox.services.notifications import notification_queue

logger = logging.getLogger(__name__)

# --- submit --------------------------------------------------------------------


def _existing_members(*, network: Network, email: str, mobile_phone: str) -> list[Member]:
    match = Q(email__iexact=email) if email else Q(pk__in=[])
    if mobile_phone:
        match |= Q(mobile_phone=mobile_phone)
    return list(
        Member.objects.filter(network=network)
        .exclude(status=Member.Status.LEFT)
        .filter(match)
        .select_related("network")
    )


def _duplicate_notice_send(*, member: Member) -> None:
    """Tell an existing member that someone used their address to sign up."""
    complete = member.email_verified_at and (member.phone_verified_at or not member.mobile_phone)
    context = {
        "member": member,
        "network": member.network,
        "is_member": member.status != Member.Status.PENDING,
        "waiting": member.status == Member.Status.PENDING and bool(complete),
        "url": "",
        "confirm_url": "",
        "hours": settings.SIGNUP_EMAIL_LINK_HOURS,
    }
    if member.status != Member.Status.PENDING:
        context["url"] = member_personal_url(member=member)
    elif not complete and member.email:
        # The link goes to the address on file, so it proves nothing new to the
        # visitor; it lets the real owner finish an abandoned sign-up.
        context["confirm_url"] = _email_link_create(member=member)
    with translation.override(member.language):
        if member.email:
            subject = render_to_string(
                "members/messages/signup_duplicate_notice_subject.txt", context
            ).strip()
            body = render_to_string("members/messages/signup_duplicate_notice.txt", context)
            notification_queue(
                kind="signup_duplicate_notice", channel="email", to=member.email,
                subject=subject, body=body, sensitive=True, about=member,
            )  # fmt: skip
        elif member.mobile_phone:
            body = render_to_string(
                "members/messages/signup_duplicate_notice_sms.txt", context
            ).strip()
            notification_queue(
                kind="signup_duplicate_notice", channel="sms", to=str(member.mobile_phone),
                body=body, sensitive=True, about=member,
            )  # fmt: skip


def _check_eligibility(
    *, accept_house_rules: bool, accept_privacy: bool, adult: bool, date_of_birth: date | None,
    email: str, by_sms: bool, mobile_phone: str,
) -> None:  # fmt: skip
    """The form checks all this; repeated so the service is safe on its own."""
    errors: dict[str, str] = {}
    if not accept_house_rules:
        errors["accept_house_rules"] = _("You need to accept the house rules to join.")
    if not accept_privacy:
        errors["accept_privacy"] = _("You need to accept the privacy notice to join.")
    if not (adult or date_of_birth):
        errors["adult"] = _("Members must be 18 or older.")
    if not email:
        errors["email"] = _("Enter your email address.")
    if by_sms and not mobile_phone:
        errors["mobile_phone"] = _("Text messages need a mobile number.")
    if errors:
        raise ValidationError(errors)


def signup_submit(
    *, network: Network, ip: str, first_name: str, last_name: str, street: str,
    house_number: str, postcode: str, email: str, mobile_phone: str = "", landline: str = "",
    language: str = "", by_sms: bool = False, by_email: bool = False, by_voice: bool = False,
    deaf: bool = False, adult: bool = False, date_of_birth: date | None = None, relation: str = "",
    business_name: str = "", company_number: str = "", accept_house_rules: bool = False,
    accept_privacy: bool = False, suspected_bot: bool = False,
) -> SignupProgress:  # fmt: skip
    """Store a sign-up from the public form and send both verifications.

    The arguments are the form's checked values (phones already in E.164).
    ``suspected_bot`` is the form's verdict (its honeypot was filled in): such
    a sign-up counts towards the rate limits and gets a decoy that sends
    nothing. Raises SignupRateLimited (nothing stored) or ValidationError
    keyed by field. A known email or mobile number, or a suspected bot, returns
    a decoy that the visitor cannot tell apart from a real sign-up.
    """
    address = (email or "").strip().lower()
    mobile_phone = str(mobile_phone or "")
    # Every attempt counts, known address or not, so the limits reveal nothing.
    events = [("submit_ip", ip or "unknown")]
    if address:
        events.append(("submit_email", address))
    if mobile_phone:
        events.append(("submit_phone", mobile_phone))
    try:
        signup_rate_limits_check(events=events)
    except SignupRateLimited:
        logger.info("sign-up rate-limited in network %s", network.pk)
        raise
    if suspected_bot:
        logger.info("sign-up honeypot filled in network %s", network.pk)
        return _decoy_start(
            network=network, first_name=first_name, language=language, email=address,
            mobile_phone=mobile_phone, send_email=False, send_sms=False,
        )  # fmt: skip
    _check_eligibility(
        accept_house_rules=accept_house_rules, accept_privacy=accept_privacy, adult=adult,
        date_of_birth=date_of_birth, email=email, by_sms=by_sms, mobile_phone=mobile_phone,
    )  # fmt: skip
    with transaction.atomic():
        member = None
        existing = _existing_members(network=network, email=address, mobile_phone=mobile_phone)
        if not existing:
            try:
                member = _member_create(
                    network=network, first_name=first_name, last_name=last_name,
                    street=street, house_number=house_number, postcode=postcode,
                    email=address, mobile_phone=mobile_phone, landline=landline,
                    language=language, by_sms=by_sms, by_email=by_email, by_voice=by_voice,
                    deaf=deaf, adult=adult, date_of_birth=date_of_birth, relation=relation,
                    business_name=business_name, company_number=company_number,
                )  # fmt: skip
            except (ValidationError, IntegrityError) as exc:
                # A parallel sign-up with the same address won the race: its row
                # is committed now, so it is found like any known address.
                existing = _existing_members(
                    network=network, email=address, mobile_phone=mobile_phone
                )
                if not existing:
                    if isinstance(exc, ValidationError):
                        raise
                    logger.warning("sign-up in network %s hit a constraint: %s", network.pk, exc)
        if member is None:
            for known in existing:
                _duplicate_notice_send(member=known)
            logger.info("sign-up with a known address in network %s", network.pk)
            return _decoy_start(
                network=network, first_name=first_name, language=language, email=address,
                mobile_phone=mobile_phone,
                send_email=not any(m.email.lower() == address for m in existing),
                send_sms=not any(str(m.mobile_phone) == mobile_phone for m in existing),
            )  # fmt: skip
        _email_link_send(member=member)
        if mobile_phone:
            _sms_code_send(member=member)
    return _member_progress(member)


def _member_create(
    *, network: Network, first_name: str, last_name: str, street: str, house_number: str,
    postcode: str, email: str, mobile_phone: str, landline: str, language: str, by_sms: bool,
    by_email: bool, by_voice: bool, deaf: bool, adult: bool, date_of_birth: date | None,
    relation: str, business_name: str, company_number: str,
) -> Member:  # fmt: skip
    house_rules = house_rules_current(network=network)
    method = ConsentRecord.Method.WEB_FORM
    # A savepoint: a failed insert (ValidationError or IntegrityError) leaves
    # the outer transaction usable for the known-address path.
    with transaction.atomic():
        return member_create(
            network=network,
            first_name=first_name,
            last_name=last_name,
            street=street,
            house_number=house_number,
            postcode=postcode,
            email=email,
            mobile_phone=str(mobile_phone or ""),
            landline=str(landline or ""),
            language=language or network.default_language,
            by_sms=bool(by_sms),
            by_email=bool(by_email),
            # A deaf member is never called: no consent to calls is kept either.
            by_voice=bool(by_voice) and not deaf,
            deaf=bool(deaf),
            status=Member.Status.PENDING,
            source=Source.WEB_FORM,
            relation=relation or "lives",
            business_name=business_name or "",
            company_number=company_number or "",
            birth_date=date_of_birth,
            adult_confirmed=bool(adult or date_of_birth),
            consents=[
                (ConsentRecord.Subject.HOUSE_RULES, house_rules.version, method),
                (ConsentRecord.Subject.PRIVACY_NOTICE, settings.PRIVACY_NOTICE_VERSION, method),
            ],
        )


# --- progress --------------------------------------------------------------------


def _member_codes(member: Member, *, lock: bool = False) -> tuple[list[Verification], list[_Code]]:
    qs = member.verifications.filter(channel=Verification.Channel.SMS).order_by("created_at", "pk")
    if lock:
        qs = qs.select_for_update()
    rows = list(qs)
    codes = [
        _Code(secret_hash=row.secret_hash, expires_at=row.expires_at, attempts=row.attempts)
        for row in rows
    ]
    return rows, codes


def _member_progress(member: Member) -> SignupProgress:
    needs_sms = bool(member.mobile_phone)
    phone_verified = bool(member.phone_verified_at)
    return SignupProgress(
        member_id=member.pk,
        decoy_key="",
        needs_sms=needs_sms,
        email_verified=bool(member.email_verified_at),
        phone_verified=phone_verified,
        sms_locked=needs_sms and not phone_verified and _sms_locked(_member_codes(member)[1]),
        pending=member.status == Member.Status.PENDING,
        active=member.status == Member.Status.ACTIVE,
        email_hint=_mask_email(member.email),
        phone_hint=_mask_phone(member.mobile_phone),
    )


def signup_progress(
    *, network: Network, member_id: int | None, decoy_key: str = ""
) -> SignupProgress | None:
    """Where the sign-up (or decoy) stands; None once it no longer exists."""
    if decoy_key:
        state = _decoy_get(decoy_key)
        if state is None or state["network"] != network.pk:
            return None
        return _decoy_progress(decoy_key, state)
    if not member_id:
        return None
    member = Member.objects.select_related("network").filter(pk=member_id, network=network)
    member = member.first()
    return _member_progress(member) if member else None


# --- email link ------------------------------------------------------------------


def _link_invalid() -> ValidationError:
    return ValidationError(
        _(
            "This confirmation link does not work. It may be incomplete, or a newer link "
            "has replaced it. Use the link in the most recent email."
        ),
        code="invalid",
    )


def _link_expired() -> ValidationError:
    return ValidationError(
        _(
            "This confirmation link has expired. Sign up again with the same address: "
            "you will get a new link."
        ),
        code="expired",
    )


def _token_digest(token: str) -> str:
    try:
        data = signing.loads(token, salt=_EMAIL_SALT)
        secret = data["s"]
    except (signing.BadSignature, TypeError, KeyError, ValueError, OverflowError) as exc:
        raise _link_invalid() from exc
    if not isinstance(secret, str) or not secret:
        raise _link_invalid()
    return _email_hash(secret)


def _email_verification(*, digest: str, network: Network, lock: bool) -> Verification | None:
    """The link's verification row; None when it is not a real sign-up's."""
    qs = Verification.objects.select_related("member__network").filter(
        channel=Verification.Channel.EMAIL, secret_hash=digest
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    verification = qs.first()
    if verification is None:
        return None
    if verification.member.network_id != network.pk:
        raise _link_invalid()
    # Always, also once used: an old link must not keep working.
    if verification.expires_at <= timezone.now():
        raise _link_expired()
    return verification


def _decoy_for_link(*, digest: str, network: Network) -> tuple[str, dict]:
    key = cache.get(_DECOY_LINK_PREFIX + digest) or ""
    state = _decoy_get(key)
    if (
        state is None
        or state["network"] != network.pk
        or not hmac.compare_digest(state["email_hash"], digest)
    ):
        raise _link_invalid()
    if datetime.fromisoformat(state["email_expires_at"]) <= timezone.now():
        raise _link_expired()
    return key, state


def signup_email_token_check(*, token: str, network: Network) -> bool:
    """Whether the link was used already, without using it.

    Raises ValidationError (code "invalid" or "expired") with a message for the visitor.
    """
    digest = _token_digest(token)
    verification = _email_verification(digest=digest, network=network, lock=False)
    if verification is not None:
        return verification.verified_at is not None
    _key, state = _decoy_for_link(digest=digest, network=network)
    return state["email_verified"]


def _is_complete(member: Member) -> bool:
    return bool(member.email_verified_at) and bool(
        member.phone_verified_at or not member.mobile_phone
    )


def _complete(*, member: Member) -> Member:
    """Once both addresses are proven: approve at once, or leave it for the coordinator."""
    if member.status == Member.Status.PENDING and _is_complete(member):
        if member.network.auto_approve:
            member = member_approve(member=member, approved_by=None)
            logger.info("sign-up %s approved automatically", member.pk)
        else:
            logger.info("sign-up %s verified, waiting for approval", member.pk)
    return member


def signup_verify_email(*, token: str, network: Network) -> SignupProgress:
    """Use an email link: the address is proven. Using it twice is harmless.

    Raises ValidationError (code "invalid" or "expired") with a message for the visitor.
    """
    digest = _token_digest(token)
    with transaction.atomic():
        verification = _email_verification(digest=digest, network=network, lock=True)
        if verification is not None:
            member = (
                Member.objects.select_related("network")
                .select_for_update(of=("self",))
                .get(pk=verification.member_id)
            )
            if member.status == Member.Status.PENDING:
                now = timezone.now()
                if verification.verified_at is None:
                    verification.verified_at = now
                    verification.save(update_fields=["verified_at"])
                if member.email_verified_at is None:
                    member.email_verified_at = now
                    member.save(update_fields=["email_verified_at", "updated_at"])
                member = _complete(member=member)
            return _member_progress(member)
    key, _state = _decoy_for_link(digest=digest, network=network)
    with _decoy_lock(key):
        state = _decoy_get(key)
        if state is None:
            raise _link_invalid()
        state["email_verified"] = True
        _decoy_save(key, state)
    return _decoy_progress(key, state)


# --- SMS code --------------------------------------------------------------------


def signup_verify_sms(
    *, network: Network, member_id: int | None, decoy_key: str = "", code: str, ip: str = ""
) -> SignupProgress:
    """Check the 6-digit SMS code of a pending sign-up (or of a decoy).

    After SIGNUP_CODE_MAX_ATTEMPTS wrong tries the code is dead and a new one
    comes from signup_sms_resend; after SIGNUP_CODE_MAX_WRONG wrong tries in
    all, or once the last of SIGNUP_CODE_MAX_SENDS codes is dead, the sign-up
    can no longer be confirmed by SMS. Raises ValidationError (codes "wrong",
    "dead", "expired", "missing", "locked") or SignupRateLimited.
    """
    _code_ip_check(ip)
    code = "".join((code or "").split())
    if decoy_key:
        return _decoy_verify_sms(network=network, key=decoy_key, code=code)
    error: ValidationError | None = None
    # The attempt counter must be saved even when the code is wrong, so the
    # error is raised only after the transaction has committed.
    with transaction.atomic():
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .filter(pk=member_id, network=network)
            .first()
        )
        if member is None:
            error = ValidationError(
                _("No code is waiting for this sign-up. Ask for a new code."), code="missing"
            )
        elif member.phone_verified_at or member.status != Member.Status.PENDING:
            return _member_progress(member)
        else:
            rows, codes = _member_codes(member, lock=True)
            expected = _secret_hash(member_id=member.pk, channel="sms", secret=code)
            error = _code_try(codes=codes, expected=expected)
            if error is None:
                now = timezone.now()
                rows[-1].verified_at = now
                rows[-1].save(update_fields=["verified_at"])
                member.phone_verified_at = now
                member.save(update_fields=["phone_verified_at", "updated_at"])
                return _member_progress(_complete(member=member))
            if rows and rows[-1].attempts != codes[-1].attempts:
                rows[-1].attempts = codes[-1].attempts
                rows[-1].save(update_fields=["attempts"])
    raise error


def _decoy_verify_sms(*, network: Network, key: str, code: str) -> SignupProgress:
    with _decoy_lock(key):
        state = _decoy_get(key)
        if state is None or state["network"] != network.pk:
            raise ValidationError(
                _("No code is waiting for this sign-up. Ask for a new code."), code="missing"
            )
        if state["phone_verified"]:
            return _decoy_progress(key, state)
        codes = _decoy_codes(state)
        error = _code_try(codes=codes, expected=_decoy_sms_hash(key=key, code=code))
        if error is None:
            state["phone_verified"] = True
            state["mobile"] = ""
        elif codes:
            state["codes"][-1]["attempts"] = codes[-1].attempts
        _decoy_save(key, state)
    if error is not None:
        raise error
    return _decoy_progress(key, state)


def signup_sms_resend(
    *, network: Network, member_id: int | None, decoy_key: str = "", ip: str = ""
) -> None:
    """Send a new SMS code (the old one stops working).

    Limited per sign-up and per IP address (SignupRateLimited), and over the
    sign-up's life: at most SIGNUP_CODE_MAX_SENDS codes, none once it is
    locked (ValidationError, codes "no_more_codes" and "locked").
    """
    value = f"decoy:{decoy_key}" if decoy_key else f"member:{member_id}"
    signup_rate_limits_check(events=[("resend", value), ("resend_ip", ip or "unknown")])
    if decoy_key:
        with _decoy_lock(decoy_key):
            state = _decoy_get(decoy_key)
            if state is None or state["network"] != network.pk:
                return
            if not state["needs_sms"] or state["phone_verified"]:
                return
            _resend_check(_decoy_codes(state))
            _decoy_code_add(key=decoy_key, state=state, network=network)
            _decoy_save(decoy_key, state)
        return
    with transaction.atomic():
        member = (
            Member.objects.select_related("network")
            .select_for_update(of=("self",))
            .filter(pk=member_id, network=network)
            .first()
        )
        if member is None or member.status != Member.Status.PENDING:
            return
        if member.phone_verified_at or not member.mobile_phone:
            return
        _resend_check(_member_codes(member, lock=True)[1])
        _sms_code_send(member=member)
