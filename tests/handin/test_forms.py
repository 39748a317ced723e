"""The hand-in forms as a browser receives them."""

from __future__ import annotations

from django.utils import timezone

from undersigned.handin.forms import HandInForm


def test_the_hand_in_date_starts_as_today_in_the_format_a_date_input_shows():
    # A browser's date input shows only YYYY-MM-DD; "06/12/2026" would leave it empty and
    # the organiser would meet "This field is required" without having cleared it.
    html = str(HandInForm()["handed_in_on"])
    assert f'value="{timezone.localdate().isoformat()}"' in html
