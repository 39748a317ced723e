"""The sign form's fast path: it takes exactly what the full path would accept, answers it
the same way, and passes everything else on to Django with nothing lost."""

from __future__ import annotations

import io
import logging
from urllib.parse import urlencode

import pytest
from django.core import mail, signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import PetitionPageFactory, PostcodeFactory, sign_url
from tests.wsgi_environ import wsgi_environ
from undersigned.petitions import services
from undersigned.petitions.forms import SignatureForm, signature_data_read
from undersigned.petitions.models import Signature, SignatureState, SuspectReason
from undersigned.speed.sign_fast_path import SignFastPath
from undersigned.supporters.models import Supporter, SupporterStatus

pytestmark = pytest.mark.django_db


class DjangoSeen:
    """Django's WSGI handler, noting what reached it."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.bodies: list[bytes] = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read()
        self.bodies.append(body)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.django(environ, start_response)


def csrf_pair() -> tuple[str, str]:
    """(cookie, form token), as a browser has them after reading the petition page."""
    request = RequestFactory().get("/")
    token = get_token(request)
    return request.META["CSRF_COOKIE"], token


def call(app, path: str, data: dict | None = None, *, method="POST", token=True, **extra):
    """One request through ``app``: (status code, headers, body)."""
    cookie, form_token = csrf_pair()
    fields = dict(data or {})
    if token:
        fields.setdefault("csrfmiddlewaretoken", form_token)
    body = extra.pop("body", urlencode(fields).encode())
    environ = wsgi_environ(
        method=method,
        path=path,
        body=body,
        cookie=cookie,
        content_type="application/x-www-form-urlencoded",
    )
    environ.update(extra)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    response = app(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        getattr(response, "close", lambda: None)()
    return answer["status"], answer["headers"], content


@pytest.fixture(autouse=True)
def _connections_kept_open():
    """As Django's test client does: the test's database connection (and its transaction)
    outlives each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def django_seen() -> DjangoSeen:
    return DjangoSeen()


@pytest.fixture
def app(django_seen) -> SignFastPath:
    return SignFastPath(django_seen)


def test_a_correct_form_is_signed_without_reaching_django(app, django_seen, petition):
    PostcodeFactory(postcode="CR0 1NY", ward_code="E05000001", local_authority_code="E09000008")
    form = {
        "name": "Ada Lovelace",
        "address": "",
        "postcode": "cr0 1ny",
        "email": "Ada@Example.org",
    }

    status, headers, _ = call(app, sign_url(petition), form)

    assert status == 302
    assert dict(headers)["Location"] == petition.thank_you_url
    assert django_seen.bodies == []
    signature = Signature.objects.get()
    assert (signature.name, signature.postcode, signature.email, signature.state) == (
        "Ada Lovelace",
        "CR0 1NY",
        "ada@example.org",
        SignatureState.COUNTED,
    )
    assert (signature.ward_code, signature.local_authority_code) == ("E05000001", "E09000008")
    assert signature.ip_hash


def test_its_answer_carries_the_same_headers_as_djangos(settings, petition, valid_form_data):
    fast_status, fast_headers, _ = call(
        SignFastPath(WSGIHandler()), sign_url(petition), valid_form_data
    )
    settings.UNDERSIGNED_SIGN_FAST_PATH = False
    full = {**valid_form_data, "name": "Grace Hopper", "email": "grace@example.org"}
    full_status, full_headers, _ = call(SignFastPath(WSGIHandler()), sign_url(petition), full)

    assert fast_status == full_status == 302
    assert sorted(fast_headers) == sorted(full_headers)
    assert "Content-Security-Policy" in dict(fast_headers)
    assert Signature.objects.filter(state=SignatureState.COUNTED).count() == 2


def test_consent_to_updates_is_recorded_with_its_wording(app, django_seen, petition):
    form = {"name": "Ada", "postcode": "CR0 1NY", "email": "ada@example.org", "wants_updates": "on"}

    assert call(app, sign_url(petition), form)[0] == 302

    signature = Signature.objects.get()
    assert signature.wants_updates and petition.organiser_name in signature.consent_text
    assert django_seen.bodies == []


def test_ticking_the_box_puts_the_signer_on_the_supporter_list_with_one_confirmation_email(
    app, django_seen, petition, django_capture_on_commit_callbacks
):
    PostcodeFactory(postcode="CR0 1NY", ward_code="E05000001", local_authority_code="E09000008")
    form = {"name": "Ada", "postcode": "CR0 1NY", "email": "ada@example.org", "wants_updates": "on"}

    with django_capture_on_commit_callbacks(execute=True):
        assert call(app, sign_url(petition), form)[0] == 302

    assert django_seen.bodies == []
    supporter = Supporter.objects.get()
    assert (supporter.email, supporter.status, supporter.ward_code) == (
        "ada@example.org",
        SupporterStatus.UNCONFIRMED,
        "E05000001",
    )
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert f"/supporters/confirm/{supporter.reference}.{petition.pk}:" in message.body


def test_a_filled_in_honeypot_is_kept_as_suspect_with_the_usual_redirect(app, home):
    petition = PetitionPageFactory(parent=home, honeypot_enabled=True)
    form = {"name": "Robot", "postcode": "CR0 1NY", "website": "http://spam.example"}

    status, headers, _ = call(app, sign_url(petition), form)

    assert status == 302 and dict(headers)["Location"] == petition.thank_you_url
    signature = Signature.objects.get()
    assert (signature.state, signature.suspect_reason) == (
        SignatureState.SUSPECT,
        SuspectReason.HONEYPOT,
    )


def test_a_second_signature_by_the_same_person_is_a_duplicate(app, petition, valid_form_data):
    call(app, sign_url(petition), valid_form_data)
    call(app, sign_url(petition), valid_form_data)

    assert sorted(Signature.objects.values_list("state", flat=True)) == [
        SignatureState.COUNTED,
        SignatureState.DUPLICATE,
    ]


def test_a_mistake_goes_to_django_which_says_so_and_keeps_what_was_typed(
    app, django_seen, petition
):
    form = {"name": "", "postcode": "CR0 1NY", "email": "keep@example.org"}

    status, _, content = call(app, sign_url(petition), form)

    assert status == 200
    assert "Enter your name" in content.decode()
    assert "keep@example.org" in content.decode()
    assert len(django_seen.bodies) == 1 and b"keep%40example.org" in django_seen.bodies[0]
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"token": False}, 403),
        ({"HTTP_ORIGIN": "https://elsewhere.example"}, 403),
        ({"HTTP_COOKIE": ""}, 403),
        ({"HTTP_HOST": "not-allowed.example"}, 400),
        ({"method": "PUT"}, 403),
    ],
    ids=["no token", "other origin", "no cookie", "unknown host", "other method"],
)
def test_a_request_the_full_path_refuses_is_refused_by_it(
    app, django_seen, petition, valid_form_data, change, status, caplog
):
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        assert call(app, sign_url(petition), valid_form_data, **change)[0] == status

    assert len(django_seen.bodies) == 1
    assert not Signature.objects.exists()
    # A CSRF refusal is logged once, by Django, not by the fast path as well.
    logged = len(caplog.records)
    assert (logged == 1) if status == 403 else (logged <= 1)


def test_an_unknown_petition_is_djangos_404(app, django_seen, petition, valid_form_data):
    assert call(app, "/petitions/no-such-petition/sign/", valid_form_data)[0] == 404
    assert len(django_seen.bodies) == 1


def test_a_paused_petition_is_djangos_409_with_its_message(app, home, valid_form_data):
    petition = PetitionPageFactory(
        parent=home, signing_paused=True, signing_paused_message="Back on Monday."
    )

    status, _, content = call(app, sign_url(petition), valid_form_data)

    assert status == 409 and "Back on Monday." in content.decode()
    assert not Signature.objects.exists()


def test_a_petition_asking_for_proof_of_work_is_left_to_django(app, django_seen, home):
    petition = PetitionPageFactory(parent=home, proof_of_work_required=True)

    status, _, content = call(app, sign_url(petition), {"name": "Ada", "postcode": "CR0 1NY"})

    assert status == 200 and "quick check" in content.decode()
    assert len(django_seen.bodies) == 1
    assert not Signature.objects.exists()


def test_a_body_that_is_not_a_small_urlencoded_form_is_left_to_django(app, django_seen, petition):
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nAda\r\n'
        b'--b\r\nContent-Disposition: form-data; name="postcode"\r\n\r\nCR0 1NY\r\n--b--\r\n'
    )
    status, _, _ = call(
        app, sign_url(petition), body=multipart, CONTENT_TYPE="multipart/form-data; boundary=b"
    )

    assert status == 403  # the multipart body has no CSRF token: Django's answer, not ours
    assert django_seen.bodies == [multipart]


def test_over_http_when_the_site_insists_on_https_django_redirects(
    settings, petition, valid_form_data
):
    settings.SECURE_SSL_REDIRECT = True
    seen = DjangoSeen()

    status, headers, _ = call(SignFastPath(seen), sign_url(petition), valid_form_data)

    assert status == 301 and dict(headers)["Location"].startswith("https://")
    assert len(seen.bodies) == 1
    assert not Signature.objects.exists()


def test_it_stands_aside_for_a_middleware_it_does_not_know(settings):
    # GZip would change the answer: the fast path cannot know how, so it takes nothing.
    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]

    assert not SignFastPath(WSGIHandler()).enabled


def test_it_can_be_turned_off(settings, petition, valid_form_data):
    settings.UNDERSIGNED_SIGN_FAST_PATH = False
    seen = DjangoSeen()

    assert call(SignFastPath(seen), sign_url(petition), valid_form_data)[0] == 302
    assert len(seen.bodies) == 1


def test_consent_wording_is_worked_out_in_the_language_django_would_have_chosen(
    settings, monkeypatch, petition
):
    settings.LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
    common = settings.MIDDLEWARE.index("django.middleware.common.CommonMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:common],
        "django.middleware.locale.LocaleMiddleware",
        *settings.MIDDLEWARE[common:],
    ]
    worded_in = []
    wording = services.updates_consent_wording

    def noting_the_language(**kwargs):
        worded_in.append(translation.get_language())
        return wording(**kwargs)

    monkeypatch.setattr(services, "updates_consent_wording", noting_the_language)
    form = {"name": "Ada", "postcode": "CR0 1NY", "email": "ada@example.org", "wants_updates": "on"}
    fast = SignFastPath(DjangoSeen())

    assert call(fast, sign_url(petition), form, HTTP_ACCEPT_LANGUAGE="cy")[0] == 302
    settings.UNDERSIGNED_SIGN_FAST_PATH = False
    full = DjangoSeen()
    again = {**form, "name": "Grace", "email": "grace@example.org"}
    assert call(SignFastPath(full), sign_url(petition), again, HTTP_ACCEPT_LANGUAGE="cy")[0] == 302

    assert fast.app.bodies == [] and len(full.bodies) == 1
    assert worded_in == ["cy", "cy"]


# What people type, including what the form refuses: blanks, invisible characters, NULs,
# overlong values, malformed postcodes and emails, any value for the tick box.
field_values = st.one_of(
    st.sampled_from(["", " ", "\u200b", "\x00", "on", "false", "0", "CR0 1NY", "cr01ny"]),
    st.sampled_from(["ada@example.org", "ADA@EXAMPLE.ORG", "ada@", "1 High St, CR0 1NY"]),
    st.text(max_size=30),
    st.text(min_size=195, max_size=260, alphabet="ab \u200b"),
)
form_data = st.dictionaries(
    st.sampled_from(["name", "address", "postcode", "email", "wants_updates", "website"]),
    field_values,
)


@given(data=form_data, honeypot=st.booleans())
@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_it_reads_a_form_exactly_as_the_sign_form_does(data, honeypot):
    form = SignatureForm(data, consent_text="Keep me up to date", honeypot=honeypot)

    read = signature_data_read(data, honeypot=honeypot)

    if form.is_valid():
        assert read == (form.signer_details(), form.honeypot_value)
    else:
        assert read is None
