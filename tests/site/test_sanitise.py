"""Rich text HTML stored without the editor (demo loader, imports, the shell) is cleaned when a
public page renders it: scripts, event handlers, ``javascript:`` and ``data:`` URLs, styles and
iframes go; the formatting our editors make (links to pages and documents, headings, lists,
quotes, images) comes out exactly as Wagtail rendered it before.

Each place is checked on the page itself, through the test client; that the attack would
otherwise reach the page is checked against Wagtail's own ``richtext`` rendering.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.templatetags.wagtailcore_tags import richtext

from tests.factories import (
    ContactPageFactory,
    DocumentFactory,
    NewsletterPageFactory,
    NewsStoryPageFactory,
    PetitionPageFactory,
    StandardPageFactory,
    VideoPageFactory,
    WardTeamPageFactory,
    petition_index,
    site_home,
)
from undersigned.demo.content import PETITION_STORY
from undersigned.site.blocks import PARAGRAPH_FEATURES, CleanRichTextBlock
from undersigned.site.sanitise import rich_text_html_clean

pytestmark = pytest.mark.django_db

# Stored as is, bypassing the editor. Every attack carries a mark that must not reach the page.
ATTACK = (
    '<p data-block-key="x1y2z">Keep the library open'
    "<script>alert(101)</script>"
    '<img src="x" onerror="alert(102)">'
    '<a href="javascript:alert(103)">one</a> '
    '<a href=" JaVaScRiPt:alert(104)">two</a> '
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMDUpPC9zY3JpcHQ+">three</a> '
    '<img src="data:image/svg+xml;utf8,&lt;svg onload=alert(106)&gt;">'
    '<b onmouseover="alert(107)" style="position:fixed;inset:0">four</b>'
    '<iframe src="https://evil.example/frame"></iframe>'
    "<style>body{display:none}</style>"
    "</p>"
)
ATTACK_MARKS = (
    "alert(",
    "javascript:",
    "data:text/html",
    "data:image/svg",
    "onerror",
    "onmouseover",
    "position:fixed",
    "<iframe",
    "evil.example",
    "display:none",
)


def _page_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Where rich text is stored, one way per field or block: each returns the URL that shows it.
def _petition_story(html: str) -> str:
    return PetitionPageFactory(story=html).url


def _petition_index_intro(html: str) -> str:
    index = petition_index()
    index.intro = html
    index.save_revision().publish()
    return index.url


def _home_intro(html: str) -> str:
    home = site_home()
    home.intro = html
    home.save_revision().publish()
    return home.url


def _story_body_paragraph(html: str) -> str:
    return NewsStoryPageFactory(body=[("paragraph", html)]).url


def _story_numbered_paragraph(html: str) -> str:
    return NewsStoryPageFactory(body=[("numbered_paragraph", {"number": 58, "text": html})]).url


def _story_notes_to_editors(html: str) -> str:
    return NewsStoryPageFactory(notes_to_editors=[("paragraph", html)]).url


def _story_print_view(html: str) -> str:
    return NewsStoryPageFactory(body=[("paragraph", html)]).url + "print/"


def _standard_page_body(html: str) -> str:
    return StandardPageFactory(body=[("paragraph", html)]).url


def _video_description(html: str) -> str:
    return VideoPageFactory(description=html).url


def _newsletter_intro(html: str) -> str:
    return NewsletterPageFactory(intro=html).url


def _contact_intro(html: str) -> str:
    return ContactPageFactory(intro=html).url


def _contact_privacy_notice(html: str) -> str:
    return ContactPageFactory(privacy_notice=html).url


def _ward_team_intro(html: str) -> str:
    return WardTeamPageFactory(intro=html).url


PLACES = [
    _petition_story,
    _petition_index_intro,
    _home_intro,
    _story_body_paragraph,
    _story_numbered_paragraph,
    _story_notes_to_editors,
    _story_print_view,
    _standard_page_body,
    _video_description,
    _newsletter_intro,
    _contact_intro,
    _contact_privacy_notice,
    _ward_team_intro,
]


def test_wagtail_alone_would_put_every_attack_on_the_page():
    rendered = str(richtext(ATTACK))
    for mark in ATTACK_MARKS:
        assert mark in rendered.replace("JaVaScRiPt", "javascript"), mark


@pytest.mark.parametrize("place", PLACES, ids=lambda place: place.__name__.lstrip("_"))
def test_markup_stored_without_the_editor_is_cleaned_on_the_public_page(client, home, place):
    html = _page_html(client, place(ATTACK))

    lowered = html.lower()
    for mark in ATTACK_MARKS:
        assert mark not in lowered, mark
    assert "<b>four</b>" in html  # the tag stays, without its handler and style
    assert "Keep the library open" in html
    for word in ("one", "two", "three"):
        assert f"<a>{word}</a>" in html  # the link text stays, the address goes


# --- What the editor makes survives ------------------------------------------------------------


@pytest.fixture
def legitimate_html(home) -> str:
    """Rich text as the Draftail editor stores it, with every feature our fields use."""
    target = PetitionPageFactory(title="Save the lido")
    document = DocumentFactory(title="The inspection report")
    image = get_image_model().objects.create(title="Reading corner", file=get_test_image_file())
    return (
        '<h2 data-block-key="k0001">Why it matters</h2>'
        '<p data-block-key="k0002">The <b>inspectors</b> found it <i>inadequate</i>: read '
        f'<a linktype="document" id="{document.pk}">the report</a>, sign '
        f'<a linktype="page" id="{target.pk}">the lido petition</a>, see '
        '<a href="https://example.org/report?page=2&amp;part=1">the summary</a>, '
        '<a href="mailto:hello@example.org">write</a> or '
        '<a href="tel:+442079460491">call</a>.<br/>Thank you.</p>'
        '<h3 data-block-key="k0003">What we ask</h3>'
        '<ol><li data-block-key="k0004">New leaders</li>'
        '<li data-block-key="k0005">A plan by <b>March</b></li></ol>'
        '<h4 data-block-key="k0006">Who agrees</h4>'
        '<ul><li data-block-key="k0007">Parents</li><li data-block-key="k0008">Teachers</li></ul>'
        '<blockquote data-block-key="k0009">It has declined substantially.</blockquote>'
        f'<embed alt="Our reading corner" embedtype="image" format="left" id="{image.pk}"/>'
        '<p data-block-key="k0010">It\'s "our" library &amp; we want it back.</p>'
    )


def _as_wagtail_renders_it(html: str) -> str:
    """What the pages showed before the clean, with the one difference HTML serialising makes:
    a void element is written ``<br>``, not ``<br/>`` (the same element to every browser)."""
    return str(richtext(html)).replace("<br/>", "<br>")


def test_the_legitimate_example_renders_every_kind_of_element(legitimate_html):
    rendered = _as_wagtail_renders_it(legitimate_html)
    assert re.search(r'<a href="/documents/\d+/[^"]+\.pdf">the report</a>', rendered)
    assert re.search(r'<a href="/petitions/save-the-lido/">the lido petition</a>', rendered)
    assert re.search(
        r'<img alt="Our reading corner" class="richtext-image left" height="\d+" '
        r'src="[^"]+" width="\d+"',
        rendered,
    )


@pytest.mark.parametrize(
    "place",
    [_petition_story, _story_body_paragraph, _story_notes_to_editors, _story_print_view],
    ids=lambda place: place.__name__.lstrip("_"),
)
def test_formatting_made_in_the_editor_comes_out_unchanged(client, legitimate_html, place):
    html = _page_html(client, place(legitimate_html))

    assert _as_wagtail_renders_it(legitimate_html) in html


def test_the_demo_petition_story_comes_out_exactly_as_before(client, home):
    html = _page_html(client, _petition_story(PETITION_STORY))

    assert str(richtext(PETITION_STORY)) in html


# --- The allowlist itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<a href="java&#x09;script:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="vbscript:msgbox(1)">x</a>', "<a>x</a>"),
        ('<a href="file:///etc/passwd">x</a>', "<a>x</a>"),
        ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">', '<img alt="dot">'),
        ("<svg><script>alert(1)</script><circle/></svg>", ""),
        ('<form action="/"><input name="q"><button>Go</button></form>', "Go"),
        ('<object data="/x.swf"></object><embed src="/x.swf">', ""),
        ("<p>a<!-- <script>alert(1)</script> --></p>", "<p>a</p>"),
        ('<p id="main" class="lead" title="t" dir="rtl">a</p>', "<p>a</p>"),
        (
            '<a href="https://example.org/" target="_blank" rel="opener" class="x">x</a>',
            '<a href="https://example.org/">x</a>',
        ),
        (
            '<img class="richtext-image left takeover" src="/media/a.png" style="width:100vw">',
            '<img class="richtext-image left" src="/media/a.png">',
        ),
        ("<h1>Title</h1><h5>Small</h5><hr><table><tr><td>c</td></tr></table>", "TitleSmallc"),
        (
            '<a href="/petitions/">p</a><a href="#sign">s</a><a href="?page=2">n</a>',
            '<a href="/petitions/">p</a><a href="#sign">s</a><a href="?page=2">n</a>',
        ),
    ],
)
def test_only_the_allowlisted_tags_attributes_and_schemes_are_kept(dirty, clean):
    assert rich_text_html_clean(dirty) == clean


def test_a_style_hidden_in_mathml_does_not_come_back_as_an_image_handler():
    cleaned = rich_text_html_clean(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
    )
    assert "onerror" not in cleaned
    assert "<style" not in cleaned


def test_the_cleaning_block_needs_no_migration():
    """Migrations record it as Wagtail's RichTextBlock: same data, only the rendering differs."""
    path, _args, kwargs = CleanRichTextBlock(features=PARAGRAPH_FEATURES).deconstruct()
    assert path == "wagtail.blocks.RichTextBlock"
    assert kwargs["features"] == PARAGRAPH_FEATURES
    call_command("makemigrations", "news", "site", "--check", "--dry-run", verbosity=0)
