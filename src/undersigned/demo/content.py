"""Demo content for a fictional borough, built in code and safe to load again.

Each piece is looked up by its slug first, so running the loader twice changes nothing and
an organiser's edits to the demo pages survive a restart of ``undersigned demo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Page, Site

from undersigned.config.secrets import persistent_secret
from undersigned.contact.demo import contact_demo_load
from undersigned.news.demo import news_demo_load
from undersigned.petitions.models import PetitionIndexPage, PetitionPage, PetitionState
from undersigned.places.demo import LOCAL_AUTHORITY as DEMO_AUTHORITY
from undersigned.places.demo import places_demo_load
from undersigned.places.models import LocalAuthority
from undersigned.site.models import HomePage, LinkPage, SiteSettings
from undersigned.site.pages import child_page_ensure

ORGANISATION = "Example Borough Residents"
COUNCIL = "Example Borough Council"

PETITION_STORY = """
<p>On Monday 4 September the inspectors published their report on Example Borough
Council's children's social care services. The service has been rated
<b>inadequate</b> across the board.</p>
<p>Social services look after the borough's most vulnerable children and young people.
They are there to support them in times of unimaginable difficulty. Failing that most basic
duty is unforgivable.</p>
<p>When it was last reviewed in 2012 the service was rated "Adequate" and "Good", and
improving. The report notes that it has declined substantially since.</p>
<p>Nowhere does the report say the service is under-resourced; everywhere it criticises
management, oversight and leadership. The leadership was unaware of how poor the service had
become.</p>
<p>Please sign our petition and share it with everyone who might be interested. Only fresh
leadership can put this right quickly.</p>
"""

PETITION_STATEMENT = (
    "Inspectors have found Example Borough Council's social services for children to be "
    "inadequate across the board, putting our most vulnerable children and young people at "
    "risk, as a direct result of failures of management, leadership and oversight.\n\n"
    "We, the undersigned, therefore call for the immediate resignation of Cllr Alex Morgan "
    "(Leader of Example Borough Council) and Cllr Sam Rivers (Cabinet Member for Children, "
    "Young People & Learning) to enable the fresh leadership needed to put this right."
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str


def _home_page() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's initial "Welcome" page (and the site pointing at it) make way for ours.
        welcome = ContentType.objects.get_for_model(Page)
        root.get_children().filter(content_type=welcome, slug="home").delete()
        home = child_page_ensure(
            root,
            HomePage,
            "home",
            title="Standing up for Example Borough",
            intro=(
                "<p>We are residents of Example Borough campaigning for better local "
                "services. Read the latest news and add your name to our petitions.</p>"
            ),
        )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page": home,
            "site_name": ORGANISATION,
        },
    )
    return home


@transaction.atomic
def demo_content_load() -> PetitionPage:
    """Load the demo site and return its open petition."""
    home = _home_page()
    site = Site.objects.get(is_default_site=True)
    settings = SiteSettings.for_site(site)
    if not settings.contact_phone:
        settings.organisation_name = ORGANISATION
        settings.tagline = "A borough to be proud of"
        settings.description = (
            "Residents of Example Borough campaigning for better local services: "
            "petitions, local news and your ward team."
        )
        settings.contact_phone = "020 7946 0491"
        settings.contact_email = "hello@example.org"
        settings.contact_address = "1 High Street\nExample Town\nEX1 1AA"
        settings.copyright_start_year = 2018
        settings.save()

    petitions = child_page_ensure(
        home,
        PetitionIndexPage,
        "petitions",
        title="Petitions",
        show_in_menus=True,
        intro="<p>Add your name to our campaigns.</p>",
    )
    places_demo_load(home=home)
    petition = child_page_ensure(
        petitions,
        PetitionPage,
        "fresh-leadership-for-childrens-services",
        title=("Children's services rated 'inadequate': we call for fresh leadership immediately"),
        summary=(
            "Inspectors found Example Borough's children's social care inadequate across the "
            "board. We call for the leaders responsible to make way for fresh leadership."
        ),
        story=PETITION_STORY,
        statement=PETITION_STATEMENT,
        target=COUNCIL,
        target_local_authority=LocalAuthority.objects.get(pk=DEMO_AUTHORITY[0]),
        organiser_name=ORGANISATION,
        signature_goal=1000,
        state=PetitionState.OPEN,
    )
    news_demo_load(home=home, petition=petition)
    contact_demo_load(home=home)
    child_page_ensure(
        home,
        LinkPage,
        "national-campaign",
        title="National campaign",
        link_url="https://example.org/",
        show_in_menus=True,
    )
    return petition


def demo_admin_ensure(*, password_file: Path, username: str = "admin") -> DemoLogin:
    """The demo's administrator, created once with a random password kept in the data folder."""
    password = persistent_secret(password_file, nbytes=12)
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user_model.objects.create_superuser(
            username=username, email="admin@example.org", password=password
        )
    elif not user.check_password(password):
        # The password file was replaced or removed: keep the printed login truthful.
        user.set_password(password)
        user.save(update_fields=["password"])
    return DemoLogin(username=username, password=password)
