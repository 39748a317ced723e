"""The contact selectors: finding one person's messages for subject access."""

from __future__ import annotations

import pytest

from tests.factories import EnquiryFactory
from undersigned.contact import selectors
from undersigned.petitions.services import name_key


@pytest.mark.django_db
def test_one_persons_messages_are_found_by_any_of_their_emails_or_folded_name_and_postcode():
    by_email = EnquiryFactory(email="Ada@Example.org")
    by_other_email = EnquiryFactory(email="ada.lovelace@example.net")
    by_name = EnquiryFactory(name="ADA  lovelace", email="someone@example.org")
    EnquiryFactory(name="Ada Lovelace", postcode="SW1A 1AA")

    found = selectors.enquiry_list_for_person(
        emails={"ada@example.org", "ada.lovelace@example.net", ""},
        name_key=name_key("Ada Lovelace"),
        postcode="EB1 1AB",
    )

    assert set(found) == {by_email, by_other_email, by_name}
    assert list(selectors.enquiry_list_for_person(emails={""})) == []
