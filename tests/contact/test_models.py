"""The inbox's invariants hold in the database, and the contact factories build valid rows."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import ContactPageFactory, EnquiryFactory
from undersigned.contact.models import Enquiry

pytestmark = pytest.mark.django_db


def test_the_enquiry_factory_builds_a_new_enquiry_that_passes_validation():
    enquiry = EnquiryFactory()
    enquiry.full_clean()
    assert Enquiry.objects.get().status == "new"


def test_the_contact_page_factory_builds_a_live_page_under_the_home_page(home):
    page = ContactPageFactory()
    page.full_clean()
    assert page.live
    assert page.url == "/contact-us/"
    assert page.thanks_url == "/contact-us/thanks/"


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("status", "deleted", "enquiry_status_is_known"),
        ("email", "", "enquiry_has_email"),
        ("message", "", "enquiry_has_message"),
    ],
)
def test_the_database_refuses_an_enquiry_that_breaks_a_rule(field, value, constraint):
    enquiry = EnquiryFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Enquiry.objects.filter(pk=enquiry.pk).update(**{field: value})
