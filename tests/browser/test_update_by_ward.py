"""An organiser emails the supporters of one ward, in Chromium through the real Wagtail admin.

Logged in through the sign-in form as a member of the Organisers group (not a superuser); the
browser posts the CSRF tokens the pages rendered. The update is written, its recipient count
read on the confirm step, and sent; the background task runs at once in tests, so the
outbox shows who got it.
"""

from __future__ import annotations

import pytest

from tests.browser.updates import update_to_ward_send
from tests.factories import SupporterFactory, WardFactory

pytestmark = pytest.mark.browser


def test_an_update_to_a_ward_reaches_its_confirmed_supporters_and_nobody_in_another_ward(
    organiser_page, campaign_petition, mailoutbox, screenshot
):
    north = WardFactory(name="Northfield")
    south = WardFactory(name="Southbank")
    for n in range(30):  # enough wards that the list has to scroll
        WardFactory(name=f"Another ward {n:02d}")
    SupporterFactory(name="Nia North", email="nia@example.net", ward_code=north.code)
    SupporterFactory(
        name="Waiting North",
        email="waiting@example.net",
        ward_code=north.code,
        status="unconfirmed",
        confirmed_at=None,
    )
    SupporterFactory(name="Sam South", email="sam@example.net", ward_code=south.code)

    update_to_ward_send(
        organiser_page,
        petition_title=campaign_petition.title,
        ward="Northfield",
        subject="Northfield: library meeting on Thursday",
        body="Come to the library at 7pm on Thursday.",
    )
    screenshot(organiser_page, "organiser-update-to-a-ward-sent")

    assert [message.to for message in mailoutbox] == [["nia@example.net"]]
    assert "Come to the library at 7pm on Thursday." in mailoutbox[0].body
