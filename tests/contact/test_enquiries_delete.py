"""Messages are deleted by the contact app's own service, with the admin's history of them."""

from __future__ import annotations

import pytest
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from tests.factories import EnquiryFactory
from undersigned.contact import services
from undersigned.contact.models import Enquiry

pytestmark = pytest.mark.django_db


def test_deleting_messages_removes_them_and_their_history_and_keeps_the_others():
    gone, kept = EnquiryFactory(), EnquiryFactory()
    for enquiry in (gone, kept):
        log(instance=enquiry, action="wagtail.edit")

    deleted = services.enquiries_delete(pks=[gone.pk])

    assert deleted == 1
    assert list(Enquiry.objects.values_list("pk", flat=True)) == [kept.pk]
    logged = ModelLogEntry.objects.values_list("object_id", flat=True)
    assert list(logged) == [str(kept.pk)]
