"""What the hand-in pack reads: here, the names it gives the signers' wards."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import PetitionPageFactory, SignatureFactory
from undersigned.handin.selectors import ward_names

pytestmark = pytest.mark.django_db

BOUNDARIES = Path(__file__).parents[1] / "places" / "fixtures" / "wards-2024.geojson"


def test_a_ward_named_only_by_the_boundaries_file_has_that_name_in_the_pack():
    # No names-and-codes files were loaded: the boundaries file's WD24NM is all there is.
    call_command("import_boundaries", str(BOUNDARIES), stdout=StringIO())
    petition = PetitionPageFactory()
    SignatureFactory(petition=petition, ward_code="E05099993", postcode="EB3 1AB")

    assert ward_names(petition=petition) == {"E05099993": "Castle Hill"}
