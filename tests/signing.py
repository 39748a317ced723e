"""Signing a petition in a test as a person does: through the sign form its page renders."""

from __future__ import annotations

from django.test import Client

from tests.factories import sign_url
from tests.html_forms import form_submit
from undersigned.petitions.models import PetitionPage, Signature


def sign(
    petition: PetitionPage, *, client: Client | None = None, **values: str | bool
) -> Signature:
    """Open ``petition``'s page, fill in the sign form it renders with ``values`` (the name
    Ada Lovelace unless one is given; ``wants_updates`` ticks the box or leaves it unticked),
    post it with CSRF checks on and return the signature it stored.

    A refusal (the page again, with its messages) fails the test here.
    """
    client = client or Client(enforce_csrf_checks=True)
    data: dict[str, str | None] = {"name": "Ada Lovelace"}
    for name, value in values.items():
        data[name] = ("on" if value else None) if isinstance(value, bool) else value
    before = Signature.objects.filter(petition=petition).order_by("-pk").first()
    answer = form_submit(client, petition.url, data, action=sign_url(petition))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    newer = Signature.objects.filter(petition=petition, pk__gt=before.pk if before else 0)
    return newer.get()
