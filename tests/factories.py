"""All test factories in one place."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from factory.django import DjangoModelFactory

from accounts.models import User
from members.models import Member
from messaging.models import Message
from networks.models import Municipality, Network, PoliceZone, Role, RoleAssignment, Street


class PoliceZoneFactory(DjangoModelFactory):
    class Meta:
        model = PoliceZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    # Far from the fixed numbers tests give their zones (5415-5417).
    number = factory.Sequence(lambda n: f"{6000 + n}")
    country = "BE"


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    official_code = factory.Sequence(lambda n: f"{41000 + n}")
    police_zone = factory.SubFactory(PoliceZoneFactory)
    province = "Oost-Vlaanderen"


class NetworkFactory(DjangoModelFactory):
    class Meta:
        model = Network
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"BIN Wijk {n}")
    slug = factory.Sequence(lambda n: f"wijk-{n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    police_zone = factory.SelfAttribute("municipality.police_zone")
    country = factory.SelfAttribute("police_zone.country")
    status = Network.Status.ACTIVE
    languages = factory.LazyFunction(lambda: ["nl", "fr"])
    public_description = "Samen voor een veilige buurt."

    @factory.post_generation
    def streets(self, create, extracted, **kwargs):
        if not create:
            return
        for spec in extracted if extracted is not None else [("Kerkstraat", "9340", None, None)]:
            name, postcode, low, high = spec
            Street.objects.create(
                network=self, name=name, postcode=postcode, number_from=low, number_to=high
            )


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


def enable_totp(user: User) -> str:
    """Give the user a TOTP authenticator; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def user_with_role(role: str, *, scope=None, mfa: bool = True, **user_fields) -> User:
    """A user holding one role in one scope (network, zone, municipality or none)."""
    user = UserFactory(**user_fields)
    scope_field = {
        Network: "network",
        PoliceZone: "police_zone",
        Municipality: "municipality",
    }.get(type(scope))
    RoleAssignment.objects.create(
        user=user, role=role, **({scope_field: scope} if scope_field else {})
    )
    if role == Role.ADMIN:
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    if mfa:
        enable_totp(user)
    return user


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    network = factory.SubFactory(NetworkFactory)
    first_name = factory.Faker("first_name", locale="nl_BE")
    last_name = factory.Faker("last_name", locale="nl_BE")
    street = "Kerkstraat"
    house_number = factory.Sequence(lambda n: str(n + 1))
    postcode = "9340"
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    mobile_phone = factory.Sequence(lambda n: f"+3247{n:07d}")
    language = "nl"
    status = Member.Status.ACTIVE


# --- messaging (alerts and other messages) -------------------------------------


class MessageFactory(DjangoModelFactory):
    """A message, by default a draft urgent alert with one Dutch SMS text.

    ``networks`` (a list) are set after creation, as the compose form does;
    a published message needs ``status`` and ``published_at`` given too:
    ``MessageFactory(status=Message.Status.PUBLISHED, published_at=now, ...)``.
    """

    class Meta:
        model = Message
        skip_postgeneration_save = True

    kind = Message.Kind.URGENT
    status = Message.Status.DRAFT
    texts = factory.LazyFunction(lambda: {"nl": {"sms": "Test"}})
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def networks(self, create, extracted, **kwargs):
        if create and extracted:
            self.networks.set(extracted)


# --- surveys (evaluation surveys) ---------------------------------------------


def survey_with_answers(*, network, created_by, answers: int = 0, template: bool = True, **kw):
    """An open survey of ``network`` (standard template by default) with one
    invitation per active member and ``answers`` of them answered through
    the service, each giving the first option / the value 4 / a comment."""
    from members.models import Member
    from surveys.models import Question, Survey, SurveyInvitation
    from surveys.services import survey_answer, survey_create

    survey = survey_create(
        network=network,
        created_by=created_by,
        title=kw.pop("title", "Evaluatie"),
        template_key="bin-evaluation-v1" if template else "",
    )
    if not template:
        Question.objects.create(
            survey=survey, position=1, kind="scale", text={"nl": "Tevreden?"}, required=True
        )
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN, **kw)
    survey.refresh_from_db()
    members = list(Member.objects.active().filter(network=network))
    while len(members) < answers:
        members.append(MemberFactory(network=network))
    SurveyInvitation.objects.bulk_create(
        [SurveyInvitation(survey=survey, member=m) for m in members], ignore_conflicts=True
    )
    for member in members[:answers]:
        values = {}
        for q in survey.questions.all():
            if q.kind == "scale":
                values[q.pk] = 4
            elif q.kind == "text":
                values[q.pk] = "Prima"
            elif q.kind == "multiple":
                values[q.pk] = [q.choices[0]["key"]]
            else:
                values[q.pk] = q.choices[0]["key"]
        survey_answer(survey=survey, member=member, answers=values)
    return survey


# --- Charters (Founding and governance: charter and founding checklist) --------


def charter_submitted(network, *, by):
    """A charter version of ``network`` started from the defaults and submitted."""
    from charters.services.charter import charter_draft_create, charter_submit

    version = charter_draft_create(network=network, created_by=by)
    return charter_submit(version=version, submitted_by=by)


def charter_signed(network, *, coordinator, officer, municipal):
    """A charter version signed by all three parties (in force)."""
    from charters.services.charter import charter_sign

    version = charter_submitted(network, by=coordinator)
    for party, user in (
        ("coordinator", coordinator),
        ("officer", officer),
        ("municipality", municipal),
    ):
        charter_sign(
            version=version,
            user=user,
            party=party,
            name=user.get_full_name() or "X",
            role_title="Role",
        )
    version.refresh_from_db()
    return version
