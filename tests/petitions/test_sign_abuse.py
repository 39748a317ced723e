"""Abuse controls on the sign path: rate limits, honeypot, proof of work, kill switches."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import secrets
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.abuse.redis_server import forget_keys, redis_url_or_skip
from tests.factories import PetitionPageFactory, SignatureFactory, sign_url
from undersigned.abuse import proof_of_work, store
from undersigned.abuse.limits import SIGNING_PAUSED_STANDARD
from undersigned.abuse.models import AbuseSettings
from undersigned.petitions import selectors, services
from undersigned.petitions.models import Signature, SignatureState, SuspectReason
from undersigned.petitions.services import SignerDetails, SignMessages
from undersigned.site.errors import ApplicationError
from undersigned.speed.caching import forget_everything

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counters_in_the_database(settings):
    settings.REDIS_URL = ""


def abuse_settings(**values) -> AbuseSettings:
    current = AbuseSettings.load()
    for name, value in values.items():
        setattr(current, name, value)
    current.save()  # forgets the cached copy
    return current


def signer(n: int) -> dict[str, str]:
    return {"name": f"Signer Number{n}", "postcode": "CR0 1NY", "email": f"s{n}@example.org"}


def from_address(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def html(response) -> str:
    return response.content.decode()


def shows(response, text) -> bool:
    return escape(str(text)) in html(response)


def same_response(first, second) -> None:
    """Byte for byte: status, headers (cookies aside) and body."""
    assert first.status_code == second.status_code
    assert first.content == second.content
    assert dict(first.headers) == dict(second.headers)


# Rate limits


def test_a_signature_over_the_per_petition_limit_is_kept_as_suspect_and_not_counted(petition):
    abuse_settings(per_petition_limit=2, overall_limit=100)
    client = from_address("203.0.113.7")

    responses = [client.post(sign_url(petition), signer(n)) for n in range(3)]

    over = Signature.objects.get(email="s2@example.org")
    assert over.state == SignatureState.SUSPECT
    assert over.suspect_reason == SuspectReason.PETITION_RATE_LIMIT
    assert Signature.objects.filter(state=SignatureState.COUNTED).count() == 2
    assert selectors.signature_count(petition=petition) == 2
    # The signer over the limit is told exactly what the others were told.
    same_response(responses[2], responses[1])
    assert responses[2]["Location"] == f"{petition.url}thank-you/"
    same_response(client.get(responses[2]["Location"]), client.get(responses[1]["Location"]))


def test_the_overall_limit_counts_one_connection_across_petitions(home):
    abuse_settings(per_petition_limit=100, overall_limit=2)
    first, second = PetitionPageFactory(), PetitionPageFactory()
    client = from_address("203.0.113.7")

    client.post(sign_url(first), signer(1))
    client.post(sign_url(second), signer(2))
    response = client.post(sign_url(second), signer(3))

    assert response.status_code == 302
    over = Signature.objects.get(email="s3@example.org")
    assert over.state == SignatureState.SUSPECT
    assert over.suspect_reason == SuspectReason.OVERALL_RATE_LIMIT


def test_another_connection_is_not_held_back_by_one_over_its_limit(petition):
    abuse_settings(per_petition_limit=1)
    busy = from_address("203.0.113.7")
    busy.post(sign_url(petition), signer(1))
    busy.post(sign_url(petition), signer(2))

    from_address("198.51.100.9").post(sign_url(petition), signer(3))

    assert Signature.objects.get(email="s3@example.org").state == SignatureState.COUNTED


def test_the_signature_holds_a_keyed_hash_of_the_address_never_the_address(petition):
    from_address("203.0.113.7").post(sign_url(petition), signer(1))

    stored = Signature.objects.get()
    assert stored.ip_hash == services.hash_client_ip("203.0.113.7")
    assert "203.0.113.7" not in stored.ip_hash


def earlier_signatures(petition, ip: str, *, count: int, minutes_ago: float) -> None:
    """``count`` signatures from ``ip`` stored ``minutes_ago``, as if signed then."""
    when = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    SignatureFactory.create_batch(
        count,
        petition=petition,
        ip_hash=services.hash_client_ip(ip),
        created_at=when,
        # Never the same person as signer(n): no postcode, and the factory's own emails.
        postcode="",
        address="1 Earlier Road",
    )


def test_the_window_slides_signatures_older_than_it_no_longer_count(petition):
    abuse_settings(per_petition_limit=3, overall_limit=100, window_minutes=60)
    earlier_signatures(petition, "203.0.113.7", count=3, minutes_ago=61)
    client = from_address("203.0.113.7")

    client.post(sign_url(petition), signer(1))

    assert Signature.objects.get(email="s1@example.org").state == SignatureState.COUNTED


def test_every_signature_within_the_window_counts_towards_the_limit(petition):
    abuse_settings(per_petition_limit=3, overall_limit=100, window_minutes=60)
    earlier_signatures(petition, "203.0.113.7", count=2, minutes_ago=59)
    earlier_signatures(petition, "198.51.100.9", count=5, minutes_ago=1)  # someone else
    client = from_address("203.0.113.7")

    client.post(sign_url(petition), signer(1))
    client.post(sign_url(petition), signer(2))

    assert Signature.objects.get(email="s1@example.org").state == SignatureState.COUNTED
    over = Signature.objects.get(email="s2@example.org")
    assert (over.state, over.suspect_reason) == (
        SignatureState.SUSPECT,
        SuspectReason.PETITION_RATE_LIMIT,
    )


def test_over_both_limits_the_overall_one_is_given_as_the_reason(home):
    abuse_settings(per_petition_limit=1, overall_limit=1)
    first, second = PetitionPageFactory(), PetitionPageFactory()
    client = from_address("203.0.113.7")
    client.post(sign_url(first), signer(1))
    client.post(sign_url(second), signer(2))  # over the overall limit only

    client.post(sign_url(second), signer(3))  # over both

    reasons = dict(Signature.objects.values_list("email", "suspect_reason"))
    assert reasons == {
        "s1@example.org": SuspectReason.NONE,
        "s2@example.org": SuspectReason.OVERALL_RATE_LIMIT,
        "s3@example.org": SuspectReason.OVERALL_RATE_LIMIT,
    }


def test_a_limit_of_zero_is_off(petition):
    abuse_settings(per_petition_limit=0, overall_limit=0)
    client = from_address("203.0.113.7")

    for n in range(5):
        client.post(sign_url(petition), signer(n))

    assert selectors.signature_count(petition=petition) == 5


@pytest.fixture
def redis_client_ip(settings):
    """Rate limits counted in the test Redis, for an address no other run uses."""
    settings.REDIS_URL = redis_url_or_skip()
    ip = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    yield ip
    forget_keys(settings.REDIS_URL, f"{store.DEFAULT_PREFIX}*{services.hash_client_ip(ip)}*")


def test_with_redis_the_limits_are_counted_there(petition, redis_client_ip):
    abuse_settings(per_petition_limit=1, overall_limit=100)
    # Signatures stored earlier are not in Redis's count: it counts the requests it saw.
    earlier_signatures(petition, redis_client_ip, count=3, minutes_ago=1)
    client = from_address(redis_client_ip)

    client.post(sign_url(petition), signer(1))
    client.post(sign_url(petition), signer(2))

    new = Signature.objects.filter(email__in=["s1@example.org", "s2@example.org"])
    assert dict(new.values_list("email", "state")) == {
        "s1@example.org": SignatureState.COUNTED,
        "s2@example.org": SignatureState.SUSPECT,
    }


def test_while_redis_is_down_the_limit_holds_counted_from_the_signatures_stored(
    petition, settings, monkeypatch
):
    monkeypatch.setattr(store, "_redis_down_until", {})
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # configured, but nothing listens
    abuse_settings(per_petition_limit=3, overall_limit=100)
    earlier_signatures(petition, "203.0.113.7", count=3, minutes_ago=5)

    response = from_address("203.0.113.7").post(sign_url(petition), signer(1))

    assert response.status_code == 302
    assert Signature.objects.get(email="s1@example.org").state == SignatureState.SUSPECT


def test_a_suspect_signature_can_be_restored_and_then_counts(petition):
    abuse_settings(per_petition_limit=1)
    client = from_address("203.0.113.7")
    client.post(sign_url(petition), signer(1))
    client.post(sign_url(petition), signer(2))
    suspect = Signature.objects.get(state=SignatureState.SUSPECT)

    services.signature_restore(signature=suspect)

    assert selectors.signature_count(petition=petition) == 2


def test_a_person_over_the_limit_who_already_signed_is_a_duplicate_as_ever(petition):
    abuse_settings(per_petition_limit=1)
    client = from_address("203.0.113.7")
    client.post(sign_url(petition), signer(1))

    client.post(sign_url(petition), signer(1))

    repeat = Signature.objects.order_by("created_at").last()
    assert repeat.state == SignatureState.DUPLICATE
    assert selectors.signature_count(petition=petition) == 1


def held_back(petition, n: int, *, ip: str = "203.0.113.7") -> Signature:
    """Signer ``n``'s signature, made from a connection already at its limit: suspect."""
    abuse_settings(per_petition_limit=1, overall_limit=100)
    client = from_address(ip)
    client.post(sign_url(petition), signer(100 + n))  # someone else on the same connection
    client.post(sign_url(petition), signer(n))
    held = Signature.objects.get(email=signer(n)["email"])
    assert held.state == SignatureState.SUSPECT
    return held


def test_someone_held_back_who_signs_again_from_elsewhere_counts_and_the_first_is_kept(petition):
    held = held_back(petition, 1)

    response = from_address("198.51.100.9").post(sign_url(petition), signer(1))

    assert response.status_code == 302
    again = Signature.objects.exclude(pk=held.pk).get(email="s1@example.org")
    assert again.state == SignatureState.COUNTED
    held.refresh_from_db()
    assert (held.state, held.duplicate_of, held.suspect_reason) == (
        SignatureState.DUPLICATE,
        again,
        SuspectReason.PETITION_RATE_LIMIT,
    )
    selectors.signature_count_forget(petition=petition)
    assert selectors.signature_count(petition=petition) == 2  # the other signer and this one


def test_someone_held_back_who_signs_again_over_the_limit_still_does_not_count(petition):
    held_back(petition, 1)

    from_address("203.0.113.7").post(sign_url(petition), signer(1))

    mine = Signature.objects.filter(email="s1@example.org")
    assert sorted(mine.values_list("state", flat=True)) == ["duplicate", "suspect"]
    selectors.signature_count_forget(petition=petition)
    assert selectors.signature_count(petition=petition) == 1  # only the other signer


def test_a_honeypot_signature_does_not_take_the_place_of_a_suspect_one(petition):
    held = held_back(petition, 1)

    services.sign(
        petition=petition,
        signer=SignerDetails(**signer(1)),
        ip_hash="elsewhere",
        honeypot="http://spam.example",
    )

    held.refresh_from_db()
    assert held.state == SignatureState.SUSPECT
    assert Signature.objects.get(duplicate_of=held).state == SignatureState.DUPLICATE


def test_an_invalidated_signature_keeps_its_place_the_organisers_decision_stands(petition):
    held = held_back(petition, 1)
    services.signature_invalidate(signature=held)

    from_address("198.51.100.9").post(sign_url(petition), signer(1))

    held.refresh_from_db()
    assert held.state == SignatureState.INVALIDATED
    assert Signature.objects.get(duplicate_of=held).state == SignatureState.DUPLICATE


def test_someone_already_counted_under_their_name_stays_counted_once(petition):
    """The email matches a suspect signature, the name and postcode a counted one."""
    SignatureFactory(petition=petition, name="Signer Number1", email="", postcode="CR0 1NY")
    SignatureFactory(
        petition=petition,
        name="Someone Else",
        email="s1@example.org",
        state=SignatureState.SUSPECT,
        suspect_reason=SuspectReason.PETITION_RATE_LIMIT,
    )

    from_address("198.51.100.9").post(sign_url(petition), signer(1))

    assert Signature.objects.filter(state=SignatureState.COUNTED).count() == 1
    assert Signature.objects.filter(state=SignatureState.SUSPECT).count() == 1
    assert Signature.objects.filter(state=SignatureState.DUPLICATE).count() == 1


# Honeypot


def test_the_honeypot_is_off_screen_labelled_for_people_and_out_of_the_tab_order(client, petition):
    page = html(client.get(petition.url))

    assert '<div class="sign-form__extra">' in page
    assert "Leave this box empty" in page
    assert (
        '<input type="text" name="website" id="id_website" value="" tabindex="-1" '
        'autocomplete="off">'
    ) in page
    assert "abuse/sign-form.css" in page


def test_a_filled_in_honeypot_is_kept_as_suspect_and_gets_the_usual_thank_you(client, petition):
    human = client.post(sign_url(petition), signer(1))

    robot = client.post(sign_url(petition), {**signer(2), "website": "https://spam.example"})

    caught = Signature.objects.get(email="s2@example.org")
    assert caught.state == SignatureState.SUSPECT
    assert caught.suspect_reason == SuspectReason.HONEYPOT
    assert selectors.signature_count(petition=petition) == 1
    same_response(robot, human)


def test_with_the_honeypot_off_there_is_no_such_field_and_it_is_ignored(client, home):
    petition = PetitionPageFactory(honeypot_enabled=False)

    page = html(client.get(petition.url))
    client.post(sign_url(petition), {**signer(1), "website": "https://example.org"})

    assert 'name="website"' not in page
    assert "abuse/sign-form.css" not in page
    assert Signature.objects.get().state == SignatureState.COUNTED


# Proof of work


def solved(challenge: dict, **changes) -> str:
    number = next(
        n
        for n in range(challenge["maxnumber"] + 1)
        if hashlib.sha256(f"{challenge['salt']}{n}".encode()).hexdigest() == challenge["challenge"]
    )
    solution = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
        **changes,
    }
    return base64.b64encode(json.dumps(solution).encode()).decode()


@pytest.fixture
def guarded(home):
    abuse_settings(proof_of_work_difficulty=300)
    return PetitionPageFactory(proof_of_work_required=True)


def without_csrf_token(page: str) -> list[str]:
    return [line for line in page.splitlines() if "csrfmiddlewaretoken" not in line]


def fetch_challenge(client) -> dict:
    return client.get(reverse("abuse:challenge")).json()


def test_a_guarded_petition_page_loads_the_script_and_holds_no_challenge_of_its_own(
    client, guarded
):
    page = html(client.get(guarded.url))

    assert f'data-proof-of-work="{reverse("abuse:challenge")}"' in page
    assert '<input type="hidden" name="proof_of_work" value="">' in page
    assert 'src="/static/abuse/proof-of-work.js" defer></script>' in page
    assert 'role="status" aria-live="polite"' in page
    assert "Checking your browser…" in page
    # Without JavaScript, the page says what is needed before anyone types.
    assert "<noscript>" in page
    assert "This petition needs JavaScript to be turned on." in page
    assert "<script>" not in page  # no inline script (a strict CSP is on its way)
    # The same HTML for every visitor (apart from the CSRF token), so it can be cached.
    other = html(Client().get(guarded.url))
    assert without_csrf_token(page) == without_csrf_token(other)


def test_a_petition_without_proof_of_work_has_no_script_and_no_challenge(client, petition):
    page = html(client.get(petition.url))

    assert "data-proof-of-work" not in page
    assert "proof-of-work.js" not in page
    assert 'name="proof_of_work"' not in page


def test_a_good_solution_lets_the_signature_through(client, guarded):
    response = client.post(
        sign_url(guarded), {**signer(1), "proof_of_work": solved(fetch_challenge(client))}
    )

    assert response.status_code == 302
    assert Signature.objects.get().state == SignatureState.COUNTED


def test_without_a_solution_the_form_comes_back_with_everything_typed_and_a_clear_message(
    client, guarded
):
    typed = {**signer(1), "address": "12 Acacia Avenue\nCroydon", "wants_updates": "on"}

    response = client.post(sign_url(guarded), typed)

    assert response.status_code == 200
    assert not Signature.objects.exists()
    assert shows(response, SignMessages.PROOF_OF_WORK_MISSING)
    page = html(response)
    assert "There is a problem" in page
    assert 'value="Signer Number1"' in page
    assert 'value="CR0 1NY"' in page
    assert 'value="s1@example.org"' in page
    assert ">\n12 Acacia Avenue\nCroydon</textarea>" in page
    assert 'name="wants_updates" id="id_wants_updates" checked>' in page


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ({"number": -1}, SignMessages.PROOF_OF_WORK_FAILED),
        ({"signature": "0" * 64}, SignMessages.PROOF_OF_WORK_FAILED),
    ],
    ids=["wrong number", "tampered signature"],
)
def test_a_bad_solution_is_refused_with_a_clear_message_and_nothing_stored(
    client, guarded, spoil, message
):
    response = client.post(
        sign_url(guarded), {**signer(1), "proof_of_work": solved(fetch_challenge(client), **spoil)}
    )

    assert response.status_code == 200
    assert shows(response, message)
    assert 'value="Signer Number1"' in html(response)
    assert not Signature.objects.exists()


def test_an_expired_solution_is_refused_with_its_own_message(client, guarded):
    old = proof_of_work.challenge_create(300, now=0)

    response = client.post(sign_url(guarded), {**signer(1), "proof_of_work": solved(old)})

    assert response.status_code == 200
    assert shows(response, SignMessages.PROOF_OF_WORK_EXPIRED)
    assert not Signature.objects.exists()


def test_a_solution_sent_twice_signs_once(client, guarded):
    solution = solved(fetch_challenge(client))
    client.post(sign_url(guarded), {**signer(1), "proof_of_work": solution})

    again = client.post(sign_url(guarded), {**signer(2), "proof_of_work": solution})

    assert again.status_code == 200
    assert shows(again, SignMessages.PROOF_OF_WORK_FAILED)
    assert Signature.objects.count() == 1


def test_a_form_with_other_mistakes_does_not_spend_the_solution(client, guarded):
    solution = solved(fetch_challenge(client))
    client.post(sign_url(guarded), {**signer(1), "postcode": "XX1 1XX", "proof_of_work": solution})

    response = client.post(sign_url(guarded), {**signer(1), "proof_of_work": solution})

    assert response.status_code == 302
    assert Signature.objects.count() == 1


def test_the_sign_service_itself_asks_for_proof_of_work_whoever_calls_it(client, guarded):
    details = SignerDetails(name="Ada", postcode="CR0 1NY")
    with pytest.raises(ApplicationError) as refused:
        services.sign(petition=guarded, signer=details)

    assert refused.value.extra["proof_of_work"] == proof_of_work.ProofProblem.MISSING
    assert not Signature.objects.exists()
    solution = solved(fetch_challenge(client))
    services.sign(petition=guarded, signer=details, proof_of_work_solution=solution)
    assert Signature.objects.get().state == SignatureState.COUNTED


def test_the_sign_service_ignores_the_honeypot_field_on_a_petition_without_one(home):
    petition = PetitionPageFactory(honeypot_enabled=False)

    services.sign(
        petition=petition,
        signer=SignerDetails(name="Ada", postcode="CR0 1NY"),
        honeypot="autofilled by a browser",
    )

    assert Signature.objects.get().state == SignatureState.COUNTED


# Kill switches


def test_a_paused_petition_shows_its_message_instead_of_the_form(client, home):
    petition = PetitionPageFactory(
        signing_paused=True, signing_paused_message="Back at 6pm, thank you for waiting."
    )

    response = client.get(petition.url)

    assert response.status_code == 200
    assert "Signing is paused" in html(response)
    assert "Back at 6pm, thank you for waiting." in html(response)
    assert 'class="sign-form"' not in html(response)
    assert 'href="#sign">Sign the petition' not in html(response)


def test_a_paused_petition_without_a_message_shows_the_standard_one(client, home):
    petition = PetitionPageFactory(signing_paused=True)

    assert shows(client.get(petition.url), SIGNING_PAUSED_STANDARD)


def test_signing_a_paused_petition_gets_a_clear_page_and_stores_nothing(client, home):
    petition = PetitionPageFactory(signing_paused=True)

    response = client.post(sign_url(petition), signer(1))

    assert response.status_code == 409
    assert shows(response, SIGNING_PAUSED_STANDARD)
    assert 'class="sign-form"' not in html(response)
    assert not Signature.objects.exists()


def test_a_form_with_mistakes_sent_while_paused_still_lands_on_the_message(client, home):
    petition = PetitionPageFactory(signing_paused=True)

    response = client.post(sign_url(petition), {"name": ""})

    assert response.status_code == 409
    assert '<div class="petition-layout__aside" id="sign">' in html(response)
    assert "There is a problem" not in html(response)


def test_pausing_the_whole_site_pauses_every_petition_with_the_sites_message(client, petition):
    abuse_settings(signing_paused=True, signing_paused_message="We are under attack.")

    page = client.get(petition.url)
    post = client.post(sign_url(petition), signer(1))

    assert "We are under attack." in html(page)
    assert 'class="sign-form"' not in html(page)
    assert post.status_code == 409
    assert "We are under attack." in html(post)
    assert not Signature.objects.exists()


def test_a_petitions_own_message_wins_over_the_sites(client, home):
    abuse_settings(signing_paused=True, signing_paused_message="Site-wide pause.")
    petition = PetitionPageFactory(signing_paused=True, signing_paused_message="Our own words.")

    page = html(client.get(petition.url))

    assert "Our own words." in page
    assert "Site-wide pause." not in page


def test_the_sign_service_refuses_while_signing_is_paused(home):
    petition = PetitionPageFactory(signing_paused=True)

    with pytest.raises(ApplicationError) as refused:
        services.sign(petition=petition, signer=SignerDetails(name="Ada", postcode="CR0 1NY"))

    assert refused.value.message == str(SIGNING_PAUSED_STANDARD)
    assert not Signature.objects.exists()


def test_resuming_brings_the_form_back(client, petition):
    abuse_settings(signing_paused=True)
    abuse_settings(signing_paused=False)

    assert 'class="sign-form"' in html(client.get(petition.url))


def test_turning_breakdowns_off_hides_support_by_area_on_the_public_page_only(
    client, petition, django_user_model
):
    SignatureFactory(petition=petition)
    assert "Support by area" in html(client.get(petition.url))

    abuse_settings(breakdowns_paused=True)
    forget_everything()  # the kept copy of the page lapses

    assert "Support by area" not in html(client.get(petition.url))
    client.force_login(django_user_model.objects.create_superuser("o", "o@example.org", "pw"))
    admin = client.get(reverse("petitions_admin:support", args=[petition.pk]))
    assert admin.status_code == 200
    assert "<strong>1</strong> counted signature" in html(admin)
