"""The contact form (POST/redirect/GET) and its acknowledgement page.

Spam handling, in order: a filled honeypot is a bot, answered with the ordinary
acknowledgement and nothing stored or sent; a failed time check (too fast, stale or
forged timestamp) might be a person, so the form comes back filled in asking them to
send it again; only then are the fields validated and the enquiry stored.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from wagtail.models import Site

from undersigned.contact import services, spam
from undersigned.contact.forms import ContactForm
from undersigned.contact.models import ContactPage
from undersigned.contact.services import EnquiryMessages
from undersigned.places import selectors as places_selectors
from undersigned.site.errors import ApplicationError
from undersigned.site.page_views import page_view

logger = logging.getLogger(__name__)


def _render_form(
    request: HttpRequest, page: ContactPage, form: ContactForm, *, send_again: bool = False
) -> HttpResponse:
    response = page.render(request, context_overrides={"form": form, "send_again": send_again})
    # The form holds a timestamp of when it was shown: never serve it from a cache.
    response["Cache-Control"] = "no-store"
    return response


def _initial_ward(request: HttpRequest) -> dict:
    """A ward preselected by a link from its team's page (``?ward=E05...``)."""
    ward = places_selectors.ward_get(code=request.GET.get("ward", "")[:9])
    return {"ward": ward.pk} if ward else {}


@page_view(ContactPage, "contact")
def contact_page(request: HttpRequest, page: ContactPage) -> HttpResponse:
    if request.method != "POST":
        return _render_form(request, page, ContactForm(initial=_initial_ward(request)))

    submitted_token = request.POST.get("shown", "")
    if spam.honeypot_filled(request.POST.get("website", "")):
        logger.info("Contact form: honeypot filled in; treated as spam and dropped.")
        return redirect(page.thanks_url)

    timing = spam.form_timing(token=submitted_token)
    # A person sent too fast keeps their genuine start time; a stale or forged one starts again.
    token = submitted_token if timing in (spam.Timing.OK, spam.Timing.TOO_FAST) else None
    form = ContactForm(request.POST, shown_token=token)
    valid = form.is_valid()
    if timing is not spam.Timing.OK:
        logger.info("Contact form: time check failed (%s); form shown again.", timing.value)
        form.add_error(None, EnquiryMessages.SEND_AGAIN)
        return _render_form(request, page, form, send_again=True)
    if not valid:
        return _render_form(request, page, form)

    data = form.cleaned_data
    try:
        services.enquiry_create(
            name=data["name"],
            email=data["email"],
            postcode=data["postcode"],
            message=data["message"],
            chosen_ward=data["ward"],
            site=Site.find_for_request(request),
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        return _render_form(request, page, form)
    return redirect(page.thanks_url)


@page_view(ContactPage, "thanks")
def thanks_page(request: HttpRequest, page: ContactPage) -> HttpResponse:
    return page.render(request, template="contact/thanks.html")
