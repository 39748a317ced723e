"""Demo "Contact us" page for the fictional borough (safe to load again: kept by its slug)."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Page

from undersigned.contact.models import ContactPage
from undersigned.site.pages import child_page_ensure

INTRO = (
    "<p>Please do contact us with any issues or concerns you may have. We answer all our "
    "residents' correspondence and value your comments. Tell us your postcode and we will "
    "pass your message to your local ward team.</p>"
)


@transaction.atomic
def contact_demo_load(*, home: Page) -> None:
    """Add the "Contact us" page under ``home``, shown in the main menu."""
    child_page_ensure(
        home, ContactPage, "contact-us", title="Contact us", show_in_menus=True, intro=INTRO
    )
