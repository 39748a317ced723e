"""One definition of "the same person" on a petition (``models.SAME_PERSON_RULES``).

The unique constraints come from it, and the three places that look for a person's other
signatures must agree with it and with each other: the signing insert (which stores a
duplicate of the original it finds), the lookup after it (``services._find_originals``)
and subject access (``selectors.signature_list_for_person``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from tests.factories import SignatureFactory
from undersigned.petitions import selectors, services
from undersigned.petitions.models import (
    SAME_PERSON_RULES,
    PetitionPage,
    Signature,
    SignatureState,
)
from undersigned.petitions.services import name_key
from undersigned.petitions.signature_insert import SignatureInsert


def test_the_unique_constraints_on_signatures_are_the_rules_own():
    unique = [
        constraint.deconstruct()
        for constraint in Signature._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    ]

    assert unique == [rule.constraint().deconstruct() for rule in SAME_PERSON_RULES]
    assert [rule.name for rule in SAME_PERSON_RULES] == [
        "one_signature_per_email_per_petition",
        "one_signature_per_person_per_petition",
    ]


def later_signature(petition: PetitionPage, *, name: str, postcode: str, email: str) -> Signature:
    """A signature as the sign service makes it (name folded, email lower-cased)."""
    return Signature(
        petition_id=petition.pk,
        name=name,
        name_key=name_key(name),
        postcode=postcode,
        address="" if postcode else "12 Acacia Avenue, Croydon",
        email=email.lower(),
        created_at=timezone.now(),
    )


def earlier_signature(*, petition: PetitionPage, ago: timedelta, **details) -> Signature:
    if not details.get("postcode"):
        details.update(postcode="", address="12 Acacia Avenue, Croydon")
    return SignatureFactory(petition=petition, created_at=timezone.now() - ago, **details)


def what_each_finds(signature: Signature) -> tuple[set[int], list[int], int | None]:
    """The person's other signatures as subject access finds them, the originals the lookup
    after the insert finds, and the original the insert stores ``signature`` as a duplicate of
    (None: stored as a first signature)."""
    listed = {
        found.pk
        for found in selectors.signature_list_for_person(
            email=signature.email, name_key=signature.name_key, postcode=signature.postcode
        )
    }
    originals = [
        found.pk for found in services._find_originals(signature.petition, signature=signature)
    ]
    assert SignatureInsert(signature).run()
    assert (signature.state == SignatureState.DUPLICATE) == (signature.duplicate_of_id is not None)
    return listed, originals, signature.duplicate_of_id


SHAPES = {
    "same email": (
        {"name": "Ada Lovelace", "postcode": "CR0 1NY", "email": "ada@example.org"},
        {"name": "Augusta King", "postcode": "SW1A 1AA", "email": "ada@example.org"},
        True,
    ),
    "same email, no postcode": (
        {"name": "Ada Lovelace", "postcode": "", "email": "ada@example.org"},
        {"name": "Augusta King", "postcode": "", "email": "ada@example.org"},
        True,
    ),
    "same folded name and postcode": (
        {"name": "Ada Lovelace", "postcode": "CR0 1NY", "email": "ada@example.org"},
        {"name": "ADA  lovelace", "postcode": "CR0 1NY", "email": "countess@example.org"},
        True,
    ),
    "same name and postcode, neither with an email": (
        {"name": "Ada Lovelace", "postcode": "CR0 1NY", "email": ""},
        {"name": "Ada Lovelace", "postcode": "CR0 1NY", "email": ""},
        True,
    ),
    "same name, no postcode": (
        {"name": "Ada Lovelace", "postcode": "", "email": "ada@example.org"},
        {"name": "Ada Lovelace", "postcode": "", "email": "countess@example.org"},
        False,
    ),
    "same name, no postcode, no email": (
        {"name": "Ada Lovelace", "postcode": "", "email": ""},
        {"name": "Ada Lovelace", "postcode": "", "email": ""},
        False,
    ),
    "same name, another postcode": (
        {"name": "Ada Lovelace", "postcode": "CR0 1NY", "email": "ada@example.org"},
        {"name": "Ada Lovelace", "postcode": "SW1A 1AA", "email": "countess@example.org"},
        False,
    ),
    "same postcode, another name": (
        {"name": "Ada Lovelace", "postcode": "CR0 1NY", "email": "ada@example.org"},
        {"name": "Augusta King", "postcode": "CR0 1NY", "email": "countess@example.org"},
        False,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("earlier", "later", "same"), SHAPES.values(), ids=SHAPES.keys())
def test_the_insert_the_lookup_and_subject_access_agree_on_who_is_the_same_person(
    petition, earlier, later, same
):
    first = earlier_signature(petition=petition, ago=timedelta(hours=1), **earlier)
    signature = later_signature(petition, **later)

    listed, originals, original = what_each_finds(signature)

    assert (first.pk in listed) == same
    assert originals == ([first.pk] if same else [])
    assert original == (first.pk if same else None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email_ago", "name_ago", "original_found_by"),
    [
        (timedelta(hours=1), timedelta(hours=1), "email"),  # at the same moment: the first rule
        (timedelta(hours=1), timedelta(hours=2), "name"),
        (timedelta(hours=2), timedelta(hours=1), "email"),
    ],
)
def test_of_two_earlier_signatures_found_different_ways_the_earliest_is_the_original(
    petition, email_ago, name_ago, original_found_by
):
    by_email = earlier_signature(
        petition=petition,
        ago=email_ago,
        name="Augusta King",
        postcode="SW1A 1AA",
        email="ada@example.org",
    )
    by_name = earlier_signature(
        petition=petition,
        ago=name_ago,
        name="Ada Lovelace",
        postcode="CR0 1NY",
        email="countess@example.org",
    )
    # Both at the very same moment, whatever the clock did between the two saves.
    if email_ago == name_ago:
        Signature.objects.filter(pk=by_name.pk).update(created_at=by_email.created_at)
    signature = later_signature(
        petition, name="Ada Lovelace", postcode="CR0 1NY", email="ada@example.org"
    )
    expected = {"email": by_email, "name": by_name}[original_found_by]

    listed, originals, original = what_each_finds(signature)

    assert listed == {by_email.pk, by_name.pk}
    assert set(originals) == {by_email.pk, by_name.pk}
    assert originals[0] == expected.pk
    assert original == expected.pk
