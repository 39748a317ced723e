"""Everyone who ticked "keep me up to date" before the supporter list existed joins it,
waiting for confirmation: a supporter is made from every consent given, and only a
confirmed one receives updates, so these stay unemailed until they confirm (signing again
with the box ticked sends them the confirmation)."""

import secrets

from django.db import migrations
from django.utils import timezone

BATCH = 1_000
AREA_AND_NAME = ("name", "postcode", "ward_code", "constituency_code", "local_authority_code")


def supporters_from_earlier_consents(apps, schema_editor):
    Signature = apps.get_model("petitions", "Signature")
    Supporter = apps.get_model("supporters", "Supporter")
    known = set(Supporter.objects.values_list("email", flat=True))
    consenting = (
        Signature.objects.filter(wants_updates=True, anonymised_at__isnull=True)
        .exclude(email="")
        .exclude(state="invalidated")
        .order_by("created_at", "pk")
        .values("email", "petition_id", "created_at", "consented_at", *AREA_AND_NAME)
    )
    now = timezone.now()
    joining: dict[str, object] = {}
    for signature in consenting.iterator(chunk_size=BATCH):
        email = signature["email"].strip().lower()
        if email in known:
            continue
        supporter = joining.get(email)
        if supporter is None:
            # The first consent says where and when they signed up.
            supporter = joining[email] = Supporter(
                email=email,
                reference=secrets.token_urlsafe(18),
                status="unconfirmed",
                source_petition_id=signature["petition_id"],
                signed_up_at=signature["consented_at"] or signature["created_at"],
                status_changed_at=now,
            )
        # The latest says who and where they are.
        for field in AREA_AND_NAME:
            setattr(supporter, field, signature[field])
    Supporter.objects.bulk_create(joining.values(), batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("supporters", "0004_update_audiences"),
    ]

    operations = [
        migrations.RunPython(supporters_from_earlier_consents, migrations.RunPython.noop),
    ]
