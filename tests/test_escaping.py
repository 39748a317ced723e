"""Markup typed by signers, senders and organisers comes out as the text they typed, never as
live markup: on the public pages, the feeds and the JSON, in the admin, in emails, in the
hand-in PDF and CSV. Rich text written in the CMS editor keeps its formatting but loses
scripts, event handlers and ``javascript:`` links.

"Shown literally" is checked on what a reader sees (the text an HTML parser finds, or the
text ``pdftotext`` and the csv module read back); "not live" on the source: none of the raw
markup is there, no script mentions ``alert(``, no element carries an injected handler.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from email.utils import parseaddr
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import (
    EnquiryFactory,
    HandinPackFactory,
    NewsStoryPageFactory,
    PetitionPageFactory,
    PetitionUpdateFactory,
    SignatureFactory,
    news_index,
    petition_index,
    sign_url,
)
from tests.handin.conftest import file_path, pdf_text
from tests.html_forms import form_submit
from undersigned.contact import services as contact_services
from undersigned.handin import build as handin_build
from undersigned.handin.models import HandinPackState
from undersigned.petitions.models import PetitionPage
from undersigned.site.text import clean_text
from undersigned.supporters.emails import update_message, update_sender

pytestmark = pytest.mark.django_db

SIGNER_NAME = '<script>alert(1)</script> "Bob" & <b>Al</b>'
SIGNER_ADDRESS = "12 <img src=x onerror=alert(2)> Road\nCroydon"
PETITION = {
    "title": "Stop <script>alert(3)</script> & <i>cuts</i>",
    "summary": '<img src=x onerror=alert(4)> "Quoted" & summed up',
    "statement": "We call for <b>action</b> & <script>alert(5)</script>",
    "organiser_name": '<b>Org</b> & "Friends"',
    "target": "<i>Council</i> <script>alert(6)</script>",
}
STORY_TITLE = "Read-in <script>alert(7)</script> & <em>rally</em>"
STORY_STANDFIRST = '<img src=x onerror=alert(8)> Hundreds & "more" came'
MESSAGE = "Hello <script>alert(9)</script>\n<b>Bins</b> & lights <img src=x onerror=alert(10)>"
# What would be in the source if any of the above were let through as markup.
RAW_MARKUP = ["<script>alert(", "<b>Al</b>", "<i>cuts</i>", "<img src=x", "<b>Org</b>", "<em>rally"]


class _Page(HTMLParser):
    """The text a reader sees (the page title included), scripts' contents, and every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = ""

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif not self._in:
            self.text.append(data)


def parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def words(text: str) -> str:
    return " ".join(text.split())


def assert_inert(html: str) -> None:
    """None of the injected markup is live in ``html``."""
    for raw in RAW_MARKUP:
        assert raw not in html, raw
    page = parsed(html)
    assert not [script for script in page.scripts if "alert(" in script]
    for tag, attrs in page.tags:
        assert not (tag == "img" and attrs.get("src") == "x"), attrs
        for name, value in attrs.items():
            assert not (name.startswith("on") and "alert(" in (value or "")), (tag, attrs)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, attrs)


def assert_shows(html: str, *literals: str) -> None:
    """Each of ``literals`` is there for a reader, exactly as typed (white space aside)."""
    text = words(" ".join(parsed(html).text))
    for literal in literals:
        assert words(literal) in text, literal


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def petition(home) -> PetitionPage:
    petition = PetitionPageFactory(**PETITION)
    SignatureFactory(petition=petition, name=SIGNER_NAME, address=SIGNER_ADDRESS)
    return petition


@pytest.fixture
def story(home):
    return NewsStoryPageFactory(title=STORY_TITLE, standfirst=STORY_STANDFIRST)


# --- Public pages ------------------------------------------------------------------------------


def test_the_petition_page_shows_every_field_of_the_petition_as_typed(client, petition):
    html = html_of(client.get(petition.url))

    assert_inert(html)
    assert_shows(html, *PETITION.values())
    metas = {attrs.get("property") or attrs.get("name"): attrs for tag, attrs in parsed(html).tags}
    assert metas["og:title"]["content"] == PETITION["title"]
    assert metas["og:description"]["content"] == PETITION["summary"]


def test_the_form_sent_back_with_an_error_shows_the_markup_typed_in_it(client, petition):
    html = client.post(
        sign_url(petition), {"name": SIGNER_NAME, "address": SIGNER_ADDRESS, "email": "not <b>@"}
    ).content.decode()

    assert "There is a problem" in html
    assert_inert(html)
    assert_shows(html, SIGNER_ADDRESS)  # the textarea's text
    inputs = {attrs.get("name"): attrs for tag, attrs in parsed(html).tags if tag == "input"}
    assert inputs["name"]["value"] == SIGNER_NAME
    assert inputs["email"]["value"] == "not <b>@"


def test_the_thank_you_page_shows_the_title_as_typed_and_never_the_signers_name(client, petition):
    response = client.post(sign_url(petition), {"name": SIGNER_NAME, "postcode": "CR0 1NY"})
    html = html_of(client.get(response["Location"]))

    assert_inert(html)
    assert_shows(html, "Thank you for signing", f"You've added your name to “{PETITION['title']}”")
    assert "Bob" not in html


def test_the_json_carries_the_petition_as_typed_and_cannot_be_read_as_html(client, petition):
    response = client.get(f"/petitions/{petition.slug}.json")

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)
    assert data["title"] == PETITION["title"]
    assert data["statement"] == PETITION["statement"]
    assert data["organiser"] == PETITION["organiser_name"]
    assert data["target"] == PETITION["target"]
    assert "Bob" not in response.content.decode()


def test_the_petition_index_and_search_results_list_the_petition_as_typed(client, petition):
    for response in (
        client.get(petition_index().url),
        client.get("/search/", {"q": "cuts"}),
    ):
        html = html_of(response)
        assert_inert(html)
        assert_shows(html, PETITION["title"], PETITION["summary"])


def test_a_search_for_markup_shows_the_words_searched_for_as_typed(client, home):
    html = html_of(client.get("/search/", {"q": SIGNER_NAME}))

    assert_inert(html)
    assert_shows(html, f"Search results for “{SIGNER_NAME}”")
    (box,) = [attrs for tag, attrs in parsed(html).tags if attrs.get("id") == "search-q"]
    assert box["value"] == SIGNER_NAME


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.lists(
        st.one_of(
            st.text(st.characters(codec="utf-8"), max_size=10),
            st.sampled_from(
                [SIGNER_NAME, '"', "\x00", "\x1b[31m", "\u202e", "%00", "\ufeff", " ", "*"]
            ),
        ),
        max_size=5,
    ).map("".join)
)
def test_any_search_is_answered_with_the_words_searched_for_as_typed(client, home, query):
    response = client.get("/search/", {"q": query})

    html = html_of(response)  # PostgreSQL refuses a NUL in a query: it must not get there
    assert_inert(html)
    (box,) = [attrs for tag, attrs in parsed(html).tags if attrs.get("id") == "search-q"]
    assert box["value"] == clean_text(query)[:200]


def test_a_story_and_the_news_section_show_the_stories_title_as_typed(client, story):
    for response in (client.get(story.url), client.get(news_index().url)):
        html = html_of(response)
        assert_inert(html)
        assert_shows(html, STORY_TITLE, STORY_STANDFIRST)


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_the_feeds_are_well_formed_and_carry_the_title_as_text_and_the_standfirst_as_escaped_html(
    client, story, feed
):
    response = client.get(f"{news_index().url}feed/{feed}/")

    # Raises on anything but well-formed XML (our own response: no untrusted entities).
    root = ET.fromstring(response.content)  # noqa: S314
    if feed == "rss":
        item = root.find("channel/item")
        title, description = item.findtext("title"), item.findtext("description")
    else:
        atom = "{http://www.w3.org/2005/Atom}"
        entry = root.find(f"{atom}entry")
        title = entry.findtext(f"{atom}title")
        summary = entry.find(f"{atom}summary")
        assert summary.get("type") == "html"
        description = summary.text
    assert title == STORY_TITLE
    # The description is HTML to a feed reader: the standfirst, a plain text, is escaped in it.
    assert "<" not in description
    assert unescape(description) == STORY_STANDFIRST


# --- Rich text from the CMS editor -------------------------------------------------------------


def _contentstate(text: str, *, link: str) -> str:
    """What the Draftail editor posts for one paragraph whose first word links to ``link``."""
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "a1b2c",
                    "type": "unstyled",
                    "depth": 0,
                    "text": text,
                    "inlineStyleRanges": [{"offset": 0, "length": 4, "style": "BOLD"}],
                    "entityRanges": [{"offset": 0, "length": 4, "key": 0}],
                    "data": {},
                }
            ],
            "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": link}}},
        }
    )


def _through_the_editor(petition: PetitionPage, html: str | None = None, **posted) -> str:
    """The story as the page editor stores it: from what it posts, or from ``html`` loaded
    into the editor and saved again."""
    widget = PetitionPage._meta.get_field("story").formfield().widget
    if html is not None:
        posted = {"story": widget.format_value(html)}
    return widget.value_from_datadict(posted, {}, "story")


def _publish_story(petition: PetitionPage, story: str) -> None:
    petition.story = story
    petition.save_revision().publish()


def test_script_typed_into_the_story_editor_is_stored_and_shown_as_text(client, petition):
    typed = "Read <script>alert(11)</script> and <img src=x onerror=alert(12)>"
    stored = _through_the_editor(petition, story=_contentstate(typed, link="javascript:alert(13)"))
    _publish_story(petition, stored)

    html = html_of(client.get(petition.url))

    assert "javascript:" not in stored
    assert "<b>Read</b>" in stored  # formatting survives
    assert_inert(html)
    assert_shows(html, typed)


def test_script_and_handlers_in_stored_html_are_dropped_when_an_editor_saves_the_story(
    client, petition
):
    pasted = (
        "<p>Keep <b>our</b> library<script>alert(14)</script>"
        '<img src="x" onerror="alert(15)"/><a href="javascript:alert(16)">open</a>'
        '<a href="https://example.org/" onclick="alert(17)">now</a></p>'
    )
    stored = _through_the_editor(petition, pasted)
    _publish_story(petition, stored)

    html = html_of(client.get(petition.url))

    # The script element goes; its words may stay behind as harmless text.
    for dropped in ("<script", "onerror", "onclick", "javascript:", "alert(15)", "alert(16)"):
        assert dropped not in stored
    assert "<b>our</b>" in stored
    assert 'href="https://example.org/"' in stored
    assert_inert(html)
    assert_shows(html, "Keep our library")


# --- The admin ---------------------------------------------------------------------------------


def test_the_admins_signature_list_and_signature_page_show_the_signer_as_typed(
    admin_client, petition
):
    signature = petition.signatures.get()
    pages = [
        admin_client.get(reverse("petitions_signature:index")),
        admin_client.get(reverse("petitions_signature:index"), {"q": "Bob"}),
        admin_client.get(reverse("petitions_signature:inspect", args=[signature.pk])),
        # A request to see one's data: everything held about the signer.
        form_submit(admin_client, reverse("privacy_admin:search"), {"email": signature.email}),
    ]
    for response in pages:
        html = html_of(response)
        assert_inert(html)
        assert_shows(html, SIGNER_NAME, PETITION["title"])
    for response in pages[2:]:
        assert_shows(response.content.decode(), SIGNER_ADDRESS)


def test_the_admins_petition_pages_show_the_petition_as_typed(admin_client, petition):
    for url in (
        reverse("petitions_admin:overview"),
        reverse("petitions_admin:support", args=[petition.pk]),
        reverse("petitions_admin:close", args=[petition.pk]),
        reverse("handin_admin:petition", args=[petition.pk]),
    ):
        html = html_of(admin_client.get(url))
        assert_inert(html)
        assert_shows(html, PETITION["title"])


def test_closing_a_petition_confirms_it_with_the_title_as_typed(admin_client, petition):
    response = form_submit(
        admin_client, reverse("petitions_admin:close", args=[petition.pk]), follow=True
    )

    html = html_of(response)
    assert_inert(html)
    assert_shows(html, f"“{PETITION['title']}” is closed to new signatures.")


def test_the_inbox_shows_the_sender_and_the_message_as_typed(admin_client):
    enquiry = EnquiryFactory(name=SIGNER_NAME, message=MESSAGE)
    for url in (
        reverse("contact_enquiry:index"),
        reverse("contact_enquiry:edit", args=[enquiry.pk]),
        reverse("contact_enquiry:inspect", args=[enquiry.pk]),
    ):
        html = html_of(admin_client.get(url))
        assert_inert(html)
        assert_shows(html, SIGNER_NAME)
    assert_shows(html, *MESSAGE.splitlines())


def test_the_admins_update_pages_show_the_update_as_typed(admin_client, petition):
    update = PetitionUpdateFactory(petition=petition, subject=PETITION["title"], body=MESSAGE)
    for url in (
        reverse("supporters_update:index"),
        reverse("supporters_update:inspect", args=[update.pk]),
    ):
        html = html_of(admin_client.get(url))
        assert_inert(html)
        assert_shows(html, PETITION["title"])
    assert_shows(html, *MESSAGE.splitlines())  # the plain-text version, shown as it is sent


# --- Emails ------------------------------------------------------------------------------------


def test_an_update_email_keeps_the_text_as_typed_and_escapes_it_in_the_html_part(petition):
    signer = petition.signatures.get()
    update = PetitionUpdateFactory(
        petition=petition, subject="Re: <b>news</b> & more", body=MESSAGE
    )

    message = update_message(update=update, email=signer.email, sender=update_sender(update=update))
    (html, mimetype), *_ = message.alternatives

    assert mimetype == "text/html"
    for literal in (PETITION["title"], PETITION["organiser_name"], *MESSAGE.splitlines()):
        assert literal in message.body  # plain text: exactly as typed
    assert_inert(html)
    assert_shows(html, PETITION["title"], PETITION["organiser_name"], *MESSAGE.splitlines())
    assert_shows(html, "Re: <b>news</b> & more")  # the HTML part's <title>
    sent = message.message()
    assert parseaddr(sent["From"])[0] == PETITION["organiser_name"]
    assert sent["Subject"] == "Re: <b>news</b> & more"
    for part in (message.body, html):
        assert "Bob" not in part  # an update never carries the signer's name


def test_the_contact_forms_emails_are_plain_text_with_the_message_as_typed(
    home, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact_services.enquiry_create(
            name=SIGNER_NAME, email="grace@example.org", postcode="EB2 2DE", message=MESSAGE
        )

    (acknowledgement,) = [email for email in mail.outbox if email.to == ["grace@example.org"]]
    (notification,) = [email for email in mail.outbox if email is not acknowledgement]
    for email in (notification, acknowledgement):
        assert not getattr(email, "alternatives", [])  # no HTML part to interpret anything
        assert "&lt;" not in email.body and "&amp;" not in email.body  # nor escaped twice
    assert SIGNER_NAME in notification.subject
    assert SIGNER_NAME in notification.body
    for line in MESSAGE.splitlines():
        assert line in notification.body
    assert "Bob" not in acknowledgement.body


# --- The hand-in pack --------------------------------------------------------------------------


@pytest.fixture
def pack(petition, settings, tmp_path):
    settings.UNDERSIGNED_PRIVATE_ROOT = tmp_path / "private"
    settings.UNDERSIGNED_HANDIN_PDF_PROCESSES = 0
    for name in ("=HYPERLINK(1)", "+44 20 7946 0000", "-2+3", "@SUM(A1)"):
        SignatureFactory(petition=petition, name=name)
    pack = handin_build.handin_pack_build(
        pack=HandinPackFactory(petition=petition, include_addresses=True)
    )
    assert pack.state == HandinPackState.READY
    return pack


def test_the_hand_in_pdf_prints_names_addresses_and_the_petition_as_typed(pack):
    text = words(pdf_text(file_path(pack.pdf_file)))

    assert words(SIGNER_NAME) in text
    assert "12 <img src=x onerror=alert(2)> Road, Croydon" in text
    for field in ("title", "statement", "organiser_name", "target"):
        assert words(PETITION[field]) in text


def test_the_hand_in_csv_reads_back_exactly_with_formulas_disarmed(pack):
    with file_path(pack.csv_file).open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))

    names = {row["name"] for row in rows}
    assert SIGNER_NAME in names
    (signer,) = [row for row in rows if row["name"] == SIGNER_NAME]
    assert signer["address"] == "12 <img src=x onerror=alert(2)> Road, Croydon"
    assert {"'=HYPERLINK(1)", "'+44 20 7946 0000", "'-2+3", "'@SUM(A1)"} <= names


def test_the_csv_reads_back_whatever_characters_a_name_holds(petition, settings, tmp_path):
    settings.UNDERSIGNED_PRIVATE_ROOT = tmp_path / "private"
    settings.UNDERSIGNED_HANDIN_PDF_PROCESSES = 0
    odd = ['Ann "Quote" O\'Neil, Jr.', "Line\nbreak", "Zoë 李 محمد \U0001f600", "a,b;c\tend"]
    for name in odd:
        SignatureFactory(petition=petition, name=name)

    pack = handin_build.handin_pack_build(pack=HandinPackFactory(petition=petition))

    content = file_path(pack.csv_file).read_text(encoding="utf-8-sig")
    names = {row[1] for row in csv.reader(io.StringIO(content, newline=""))}
    assert set(odd) <= names
    assert "&lt;" not in content and "&amp;" not in content  # text, not HTML-escaped
