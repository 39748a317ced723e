"""What a hand-in says to the people who read it: the organiser's hand-in page breaks the
signatures received down as the pack's cover does, and a handed-in petition's public page
names who received it and when."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.handin.test_selectors import held_back_twice
from tests.html_forms import form_submit
from undersigned.handin import selectors, services
from undersigned.petitions.models import PetitionPage


def test_the_hand_in_page_says_what_became_of_every_signature_received(
    admin_client, signed_petition
):
    held_back_twice(signed_petition)
    tally = selectors.signature_tally(petition=signed_petition)
    assert tally.received == 7

    html = admin_client.get(reverse("handin_admin:petition", args=[signed_petition.pk]))
    text = " ".join(html.content.decode().split())

    assert "Signatures received</dt> <dd> 7:" in text
    assert "3 valid (counted, and listed in a pack)" in text
    assert "1 duplicate (someone who had already signed)" in text
    assert "2 held back automatically as suspected abuse" in text
    assert "1 invalidated by the organisers" in text


def test_a_petition_marked_handed_in_says_to_whom_and_when_on_its_public_page(
    admin_client, client, signed_petition
):
    today = timezone.localdate()
    response = form_submit(
        admin_client,
        reverse("handin_admin:petition", args=[signed_petition.pk]),
        {"handed_in_on": today.isoformat(), "handed_in_to": "the Mayor at Full Council"},
        action=reverse("handin_admin:hand_in", args=[signed_petition.pk]),
    )
    assert response.status_code == 302

    page = client.get(PetitionPage.objects.get(pk=signed_petition.pk).url)

    assert page.status_code == 200
    date = f"{today.day} {today:%B %Y}"
    assert f"Handed in to the Mayor at Full Council on {date}." in page.content.decode()


def test_a_handed_in_petition_with_no_recipient_recorded_names_its_target(signed_petition, client):
    services.petition_hand_in(
        petition=signed_petition, handed_in_at=timezone.localdate(), handed_in_to="the Mayor"
    )
    PetitionPage.objects.filter(pk=signed_petition.pk).update(handed_in_to="")

    html = client.get(signed_petition.url).content.decode()

    assert f"Handed in to {escape(signed_petition.target)} on " in html
