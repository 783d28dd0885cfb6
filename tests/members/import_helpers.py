"""Files, fixtures and URLs shared by the member import tests."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import MemberImport
from members.services.imports import import_preview

HEADER = (
    "first_name,last_name,street,house_number,postcode,email,mobile_phone,landline,"
    "language,channels"
)


def _good_and_bad_csv(existing_email: str) -> str:
    """Lines 2, 10 and 11 are valid; every other line has one kind of problem."""
    return "\n".join(
        [
            HEADER,
            'An,Claes,Kerkstraat,12,9340,an@example.org,0470 12 34 56,,nl,"sms,email"',  # 2
            "Bert,Badphone,Kerkstraat,13,9340,bert@example.org,12345,,,",  # 3
            "Carla,Landline,Kerkstraat,14,9340,carla@example.org,053 80 00 00,,,",  # 4
            "Dirk,Outside,Stationsstraat,1,9340,dirk@example.org,,,,",  # 5
            "Els,Range,Dorpsstraat,99,9340,els@example.org,,,,",  # 6
            "Frank,Twice,Kerkstraat,15,9340,AN@example.org,,,,",  # 7
            f"Greet,Known,Kerkstraat,16,9340,{existing_email},,,,",  # 8
            ",Hendrickx,Kerkstraat,,9340,,,,,",  # 9
            'Ilse,Mobile,Dorpsstraat,20,9340,,0471 23 45 67,053 80 00 00,fr,"sms,voice"',  # 10
            "Jan,Lower,kerkstraat,17,9340,jan@example.org,,,,",  # 11
            "",
        ]
    )


def _upload(name: str, content: bytes | str) -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _preview(world, content, name="members.csv") -> MemberImport:
    return import_preview(
        network=world.network,
        uploaded_file=_upload(name, content),
        created_by=world.users["coordinator"],
    )


def _by_line(member_import: MemberImport) -> dict[int, dict]:
    return {row["line"]: row for row in member_import.rows}


def _upload_url(world) -> str:
    return reverse("members:imports:upload", kwargs={"slug": world.network.slug})


def _preview_url(world, member_import) -> str:
    return reverse(
        "members:imports:preview", kwargs={"slug": world.network.slug, "pk": member_import.pk}
    )
