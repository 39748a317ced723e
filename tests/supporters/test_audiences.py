"""Who an update reaches: its petition's signers, everyone, or people in chosen areas; only
ever confirmed supporters, counted the same way on the confirm step as when it is sent."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import (
    ConfirmedSignerFactory,
    ConstituencyFactory,
    LocalAuthorityFactory,
    NewsletterIssueFactory,
    PetitionPageFactory,
    PetitionUpdateFactory,
    SignatureFactory,
    SupporterFactory,
    SupporterSignatureFactory,
    WardFactory,
)
from tests.html_forms import form_submit
from undersigned.petitions.models import SignatureState
from undersigned.site.errors import ApplicationError
from undersigned.supporters import emails, ledger, selectors, sending, services
from undersigned.supporters.models import (
    ConsentSource,
    PetitionUpdate,
    SupporterStatus,
    UpdateAudience,
    UpdateState,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"supporters_update:{name}", args=args)


@pytest.fixture
def north(db):
    return WardFactory(name="Northfield")


@pytest.fixture
def south(db):
    return WardFactory(name="Southbank")


def recipients(update: PetitionUpdate) -> list[str]:
    return list(selectors.update_recipient_emails(update=update))


def areas_update(petition, **areas) -> PetitionUpdate:
    return services.petition_update_create(
        petition=petition,
        subject="Ward meeting",
        body="Come along on Thursday.",
        audience=services.Audience.of(UpdateAudience.AREAS, **areas),
    )


def test_an_update_is_for_its_petitions_confirmed_signers_by_default(petition):
    ConfirmedSignerFactory(petition=petition, email="signed@example.org")
    SupporterFactory(email="elsewhere@example.org")  # confirmed, but did not sign this one
    SupporterSignatureFactory(petition=petition, email="waiting@example.org")
    SupporterFactory(email="waiting@example.org", status="unconfirmed", confirmed_at=None)

    update = services.petition_update_create(petition=petition, subject="News", body="Hello.")

    assert update.audience == UpdateAudience.PETITION
    assert recipients(update) == ["signed@example.org"]
    assert selectors.update_recipient_count(update=update) == 1


def test_a_confirmed_supporter_who_signed_without_the_box_or_unsubscribed_is_left_out(petition):
    SignatureFactory(petition=petition, email="no-box@example.org")
    SupporterFactory(email="no-box@example.org")
    ConfirmedSignerFactory(petition=petition, email="gone@example.org")
    ledger.supporter_unsubscribe(
        email="gone@example.org", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )
    ConfirmedSignerFactory(
        petition=petition, email="invalid@example.org", state=SignatureState.INVALIDATED
    )
    ConfirmedSignerFactory(
        petition=petition, email="dupe@example.org", state=SignatureState.DUPLICATE
    )

    update = PetitionUpdateFactory(petition=petition)

    assert recipients(update) == ["dupe@example.org"]


def test_everyone_means_every_confirmed_supporter_and_nobody_else(petition):
    for email in ("b@example.org", "a@example.org"):
        SupporterFactory(email=email)
    for status in ("unconfirmed", "lapsed", "unsubscribed"):
        SupporterFactory(email=f"{status}@example.org", status=status)

    update = services.petition_update_create(
        petition=petition,
        subject="Newsletter",
        body="Our spring issue.",
        audience=services.Audience.of(UpdateAudience.EVERYONE),
    )

    assert recipients(update) == ["a@example.org", "b@example.org"]
    assert selectors.update_recipient_count(update=update) == 2


def test_only_an_update_about_its_petition_links_to_it(petition):
    SupporterFactory(email="a@example.org")
    about_it = services.petition_update_create(petition=petition, subject="News", body="Hi.")
    to_everyone = services.petition_update_create(
        petition=petition,
        subject="Newsletter",
        body="Our spring issue.",
        audience=services.Audience.of(UpdateAudience.EVERYONE),
    )
    petition_link = "http://testserver" + petition.url

    def rendered(update):
        sender = emails.update_sender(update=update)
        return emails.update_render(update=update, email="a@example.org", sender=sender)

    assert petition_link in rendered(about_it).text
    assert petition_link in rendered(about_it).html
    assert petition_link not in rendered(to_everyone).text
    assert petition_link not in rendered(to_everyone).html
    assert rendered(to_everyone).unsubscribe_url in rendered(to_everyone).text


def test_an_areas_update_reaches_confirmed_supporters_in_any_chosen_ward_constituency_or_council(
    petition, north, south
):
    constituency = ConstituencyFactory()
    council = LocalAuthorityFactory()
    SupporterFactory(email="north@example.org", ward_code=north.code)
    SupporterFactory(email="south@example.org", ward_code=south.code)
    SupporterFactory(email="mp-area@example.org", constituency_code=constituency.code)
    SupporterFactory(email="borough@example.org", local_authority_code=council.code)
    SupporterFactory(email="no-postcode@example.org")
    SupporterFactory(
        email="north-unconfirmed@example.org", ward_code=north.code, status="unconfirmed"
    )

    only_north = areas_update(petition, wards=[north])
    mixed = areas_update(petition, wards=[north], constituencies=[constituency], councils=[council])

    assert recipients(only_north) == ["north@example.org"]
    assert recipients(mixed) == ["borough@example.org", "mp-area@example.org", "north@example.org"]
    assert selectors.update_recipient_count(update=mixed) == 3


def test_an_areas_update_can_be_narrowed_to_people_who_also_signed_a_petition(petition, north):
    lido = PetitionPageFactory(title="Save the lido")
    ConfirmedSignerFactory(petition=lido, email="lido@example.org")
    SupporterFactory._meta.model.objects.filter(email="lido@example.org").update(
        ward_code=north.code
    )
    SupporterFactory(email="north-only@example.org", ward_code=north.code)
    SupporterSignatureFactory(petition=lido, email="lido-gone@example.org")
    SupporterFactory(email="lido-gone@example.org", ward_code=north.code)
    ledger.supporter_unsubscribe(
        email="lido-gone@example.org", petition=lido, source=ConsentSource.UNSUBSCRIBE_LINK
    )

    update = areas_update(petition, wards=[north], signed_petition=lido)

    assert recipients(update) == ["lido@example.org"]
    assert "Northfield (ward)" in selectors.update_audience_describe(update=update)
    assert "Save the lido" in selectors.update_audience_describe(update=update)


def test_an_areas_update_needs_at_least_one_area(petition):
    with pytest.raises(ApplicationError, match="at least one ward"):
        areas_update(petition)

    assert not PetitionUpdate.objects.exists()


def test_areas_chosen_for_another_audience_are_dropped(petition, north):
    update = services.petition_update_create(
        petition=petition,
        subject="News",
        body="Hello.",
        audience=services.Audience.of(UpdateAudience.EVERYONE, wards=[north]),
    )

    assert list(update.wards.all()) == []


def test_a_supporter_who_unsubscribes_after_the_list_is_fixed_is_skipped(
    petition, north, organiser, django_capture_on_commit_callbacks
):
    SupporterFactory(email="stays@example.org", ward_code=north.code)
    leaving = SupporterFactory(email="leaves@example.org", ward_code=north.code)
    update = areas_update(petition, wards=[north])
    services.petition_update_send(update=update, user=organiser)
    scheduled: list[list[int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        sending.update_deliveries_schedule(
            update=update, batches_enqueue=lambda _id, batches: scheduled.extend(batches)
        )
    leaving.status = SupporterStatus.UNSUBSCRIBED
    leaving.save()
    for batch in scheduled:
        sending.update_deliveries_send(update=update, delivery_ids=batch)

    assert [message.to for message in mail.outbox] == [["stays@example.org"]]
    update.refresh_from_db()
    assert update.state == UpdateState.SENT


def test_the_organiser_writes_an_update_to_a_ward_and_sees_the_count_before_sending(
    admin_client, petition, north, south, django_capture_on_commit_callbacks
):
    SupporterFactory(email="north@example.org", ward_code=north.code)
    SupporterFactory(email="north2@example.org", ward_code=north.code)
    SupporterFactory(email="south@example.org", ward_code=south.code)

    response = form_submit(
        admin_client,
        url("add") + f"?petition={petition.pk}",
        {
            "audience": UpdateAudience.AREAS,
            "wards": [north.code],
            "subject": "Northfield meeting",
            "body": "See you there.",
        },
        action=url("add"),
    )
    update = PetitionUpdate.objects.get()
    assert response.status_code == 302
    assert list(update.wards.all()) == [north]

    confirm = admin_client.get(url("send", update.pk)).content.decode()
    assert "emailed to <strong>2 people</strong>" in confirm
    assert "Northfield (ward)" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        sent = form_submit(admin_client, url("send", update.pk), {"confirm": "on"})

    assert sent.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == [
        "north2@example.org",
        "north@example.org",
    ]


def test_a_draft_is_moved_from_its_petition_to_two_wards_by_editing_it(
    admin_client, petition, north, south
):
    update = PetitionUpdateFactory(petition=petition)

    response = form_submit(
        admin_client,
        url("edit", update.pk),
        {"audience": UpdateAudience.AREAS, "wards": [north.code, south.code]},
        action=url("edit", update.pk),
    )

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.audience == UpdateAudience.AREAS
    assert set(update.wards.all()) == {north, south}
    SupporterFactory(email="north@example.org", ward_code=north.code)
    SupporterFactory(email="south@example.org", ward_code=south.code)
    SupporterFactory(email="elsewhere@example.org")
    listing = admin_client.get(url("index")).content.decode()
    assert "Supporters in the wards, constituencies or councils chosen below" in listing
    assert re.search(r"<td[^>]*>\s*2\s*</td>", listing)  # the draft's recipients now


def test_the_form_says_what_is_missing_and_keeps_what_was_typed(admin_client, petition):
    response = form_submit(
        admin_client,
        url("add"),
        {
            "petition": petition.pk,
            "audience": UpdateAudience.AREAS,
            "subject": "Typed subject",
            "body": "Typed message.",
        },
        action=url("add"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one ward, constituency or council" in page
    assert "Typed subject" in page
    assert "Typed message." in page
    assert not PetitionUpdate.objects.exists()


def test_a_newsletter_issue_becomes_an_update_with_its_summary_and_a_link_to_its_pdf(
    admin_client, petition, settings
):
    settings.WAGTAILADMIN_BASE_URL = "https://campaign.example.org"
    issue = NewsletterIssueFactory(title="In Touch, spring", summary="The lido, the buses.")

    chooser = admin_client.get(reverse("supporters_admin:newsletter"))
    assert chooser.status_code == 200
    assert "In Touch, spring" in chooser.content.decode()
    page = admin_client.get(url("add") + f"?newsletter={issue.pk}").content.decode()
    assert 'value="In Touch, spring"' in page
    assert "The lido, the buses." in page
    pdf_link = "https://campaign.example.org" + issue.document.url
    assert pdf_link in page

    response = form_submit(
        admin_client,
        url("add") + f"?newsletter={issue.pk}",
        {"petition": petition.pk},
        action=url("add"),
    )

    update = PetitionUpdate.objects.get()
    assert response.status_code == 302
    assert update.audience == UpdateAudience.EVERYONE
    assert update.subject == "In Touch, spring"
    assert update.body == f"The lido, the buses.\n\nRead the whole issue (PDF): {pdf_link}"
