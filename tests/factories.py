"""Factories for the test suite: pages built where they belong in the tree, real rows."""

from __future__ import annotations

import datetime

import factory
from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.documents import get_document_model
from wagtail.models import Collection, Locale, Page, Site

from undersigned.contact.models import ContactPage, Enquiry, EnquiryStatus
from undersigned.news.models import (
    NewsIndexPage,
    NewsletterIssue,
    NewsletterPage,
    NewsStoryPage,
    SectionPage,
    StandardPage,
    VideoIndexPage,
    VideoPage,
)
from undersigned.petitions.models import (
    PaperSheet,
    PetitionIndexPage,
    PetitionPage,
    PetitionState,
    Signature,
    SignatureSource,
    SignatureState,
)
from undersigned.petitions.services import name_key
from undersigned.places.models import (
    Constituency,
    LocalAuthority,
    Postcode,
    Ward,
    WardTeamIndexPage,
    WardTeamMember,
    WardTeamPage,
)
from undersigned.site.models import HomePage


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under ``parent`` (a keyword argument) the way the CMS does."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, parent: Page | None = None, **kwargs):
        if parent is None:
            parent = cls._default_parent()
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page

    @classmethod
    def _default_parent(cls) -> Page:
        raise NotImplementedError(f"{cls.__name__} needs a parent")


def wagtail_roots_ensure() -> Page:
    """Put back what Wagtail's migrations create (default locale, page and collection roots).

    Transactional tests (live server, threads) empty every table when they end, so a later
    test cannot count on migration-made rows being there. Returns the root page.
    """
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(title="Root", slug="root")


def site_home() -> HomePage:
    """The site's home page, created (and made the default site's root) on first use."""
    home = HomePage.objects.first()
    if home is None:
        root = wagtail_roots_ensure()
        root.get_children().filter(slug="home").delete()
        home = HomePage(title="Home", slug="home")
        root.add_child(instance=home)
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home},
        )
    return home


def _section(model, *, title: str, slug: str):
    """The one section of type ``model`` under the home page, created on first use."""
    section = model.objects.first()
    if section is None:
        section = model(title=title, slug=slug)
        site_home().add_child(instance=section)
    return section


def sign_url(petition: PetitionPage) -> str:
    """Where the petition page's sign form posts to."""
    return reverse("petitions:sign", kwargs={"slug": petition.slug})


def petition_index() -> PetitionIndexPage:
    return _section(PetitionIndexPage, title="Petitions", slug="petitions")


class PetitionPageFactory(PageFactory):
    class Meta:
        model = PetitionPage

    title = factory.Sequence(lambda n: f"Keep the Northfield library open {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    summary = "The council plans to close our library. Tell them to keep it open."
    story = "<p>The library is used by <b>hundreds</b> of families every week.</p>"
    statement = "We, the undersigned, call on the council to keep Northfield Library open."
    target = "Example Borough Council"
    organiser_name = "Northfield Residents"
    signature_goal = 100
    state = PetitionState.OPEN

    @classmethod
    def _default_parent(cls) -> Page:
        return petition_index()


class SignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signature

    petition = factory.SubFactory(PetitionPageFactory)
    name = factory.Sequence(lambda n: f"Signer Number{n}")
    name_key = factory.LazyAttribute(lambda sig: name_key(sig.name))
    postcode = "CR0 1NY"
    address = ""
    email = factory.Sequence(lambda n: f"signer{n}@example.org")
    state = SignatureState.COUNTED


class PaperSheetFactory(factory.django.DjangoModelFactory):
    """A sheet of paper signatures entered by an organiser (no signatures of its own)."""

    class Meta:
        model = PaperSheet

    petition = factory.SubFactory(PetitionPageFactory)
    reference = factory.Sequence(lambda n: f"Market stall {n}")
    collected_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=2))


class PaperSignatureFactory(SignatureFactory):
    """A counted signature collected on paper: no email, on a sheet of its petition."""

    email = ""
    source = SignatureSource.PAPER
    paper_sheet = factory.SubFactory(
        PaperSheetFactory, petition=factory.SelfAttribute("..petition")
    )


def news_index() -> NewsIndexPage:
    return _section(NewsIndexPage, title="News", slug="news")


class NewsStoryPageFactory(PageFactory):
    class Meta:
        model = NewsStoryPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Residents rally for the library, day {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    date = factory.Sequence(lambda n: datetime.date(2017, 1, 1) + datetime.timedelta(days=n))
    standfirst = "Hundreds of people joined a read-in on Saturday."
    body = factory.LazyFunction(
        lambda: [("paragraph", "<p>The library lends <b>a thousand</b> books a week.</p>")]
    )

    @classmethod
    def _default_parent(cls) -> Page:
        return news_index()

    @factory.post_generation
    def tags(page, create, extracted, **kwargs):
        if extracted:
            page.tags.add(*extracted)
            if create:
                page.save()


class StandardPageFactory(PageFactory):
    class Meta:
        model = StandardPage

    title = factory.Sequence(lambda n: f"Get involved {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    intro = "Ways to help your local campaign."
    body = factory.LazyFunction(lambda: [("paragraph", "<p>Deliver leaflets in your ward.</p>")])

    @classmethod
    def _default_parent(cls) -> Page:
        return site_home()


class SectionPageFactory(StandardPageFactory):
    class Meta:
        model = SectionPage

    title = factory.Sequence(lambda n: f"Parliament and assembly {n}")
    intro = "Our constituencies."


def video_index() -> VideoIndexPage:
    return _section(VideoIndexPage, title="Videos", slug="videos")


class VideoPageFactory(PageFactory):
    class Meta:
        model = VideoPage

    title = factory.Sequence(lambda n: f"Our councillors on the inspection, part {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    video_url = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    description = "<p>Recorded outside the town hall.</p>"

    @classmethod
    def _default_parent(cls) -> Page:
        return video_index()


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_document_model()

    title = factory.Sequence(lambda n: f"In Touch, issue {n}")
    file = factory.django.FileField(filename="in-touch.pdf", data=b"%PDF-1.4\n%%EOF\n")


class NewsletterPageFactory(PageFactory):
    class Meta:
        model = NewsletterPage

    title = factory.Sequence(lambda n: f"Newsletters {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    intro = "<p>Our newsletter, twice a year.</p>"

    @classmethod
    def _default_parent(cls) -> Page:
        return site_home()


class NewsletterIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsletterIssue

    page = factory.SubFactory(NewsletterPageFactory)
    title = factory.Sequence(lambda n: f"In Touch, issue {n}")
    date = factory.Sequence(lambda n: datetime.date(2017, 1, 1) + datetime.timedelta(days=30 * n))
    document = factory.SubFactory(DocumentFactory)


# Places and ward teams

# Letters a postcode's inward code may hold (no C, I, K, M, O, V).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _postcode(n: int) -> str:
    """A valid, normalised postcode in the fictional ``EB`` area, different for each ``n``."""
    letters = _INWARD_LETTERS[n // 10 % 20] + _INWARD_LETTERS[n // 200 % 20]
    return f"EB{n // 4000 % 99 + 1} {n % 10}{letters}"


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"E09{n:06d}")
    name = factory.Sequence(lambda n: f"Example Borough {n}")


class ConstituencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Constituency
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"E14{n:06d}")
    name = factory.Sequence(lambda n: f"Example Borough North {n}")


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"E05{n:06d}")
    name = factory.Sequence(lambda n: f"Northfield {n}")
    local_authority = factory.SubFactory(LocalAuthorityFactory)


class PostcodeFactory(factory.django.DjangoModelFactory):
    """A postcode; pass ``ward=`` to place it in that ward (and the ward's local authority)."""

    class Meta:
        model = Postcode

    class Params:
        ward = None

    postcode = factory.Sequence(_postcode)
    ward_code = factory.LazyAttribute(lambda pc: pc.ward.code if pc.ward else "")
    constituency_code = ""
    local_authority_code = factory.LazyAttribute(
        lambda pc: (pc.ward.local_authority_id or "") if pc.ward else ""
    )
    latitude = 51.372
    longitude = -0.099


def ward_team_index() -> WardTeamIndexPage:
    return _section(WardTeamIndexPage, title="Ward teams", slug="ward-teams")


class WardTeamPageFactory(PageFactory):
    class Meta:
        model = WardTeamPage

    title = factory.Sequence(lambda n: f"Northfield team {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    ward = factory.SubFactory(WardFactory)
    intro = "<p>Your local councillors and candidates.</p>"
    team_email = factory.Sequence(lambda n: f"team{n}@example.org")

    @classmethod
    def _default_parent(cls) -> Page:
        return ward_team_index()


class WardTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WardTeamMember

    page = factory.SubFactory(WardTeamPageFactory)
    name = factory.Sequence(lambda n: f"Cllr Member Number{n}")
    role = "Councillor"
    surgery_times = "First Saturday of the month, 10am, Northfield Library"
    phone = "020 7946 0101"
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    sort_order = factory.Sequence(lambda n: n)


# Contact


class ContactPageFactory(PageFactory):
    class Meta:
        model = ContactPage

    title = "Contact us"
    slug = "contact-us"  # one contact page per site
    intro = "<p>Please do contact us with any issues or concerns you may have.</p>"

    @classmethod
    def _default_parent(cls) -> Page:
        return site_home()


class EnquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enquiry

    name = factory.Sequence(lambda n: f"Sender Number{n}")
    email = factory.Sequence(lambda n: f"sender{n}@example.org")
    postcode = "EB1 1AB"
    message = "The street lights on Station Road have been out for a week."
    status = EnquiryStatus.NEW


# Supporters: consent ledger and updates to signers (models named as strings: append-only file)


def _updates_consent_text(signature) -> str:
    from undersigned.supporters.consent import updates_consent_wording

    return updates_consent_wording(organiser_name=signature.petition.organiser_name).text


class SupporterSignatureFactory(SignatureFactory):
    """A signature whose signer ticked "keep me up to date", with the wording they saw."""

    wants_updates = True
    consent_text = factory.LazyAttribute(_updates_consent_text)
    consent_version = "updates-2026-11"
    consented_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class ConsentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supporters.ConsentEvent"

    email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    petition = factory.SubFactory(PetitionPageFactory)
    wording = "Keep me up to date by email about this petition and other local issues."
    wording_version = "updates-2026-11"
    kind = "given"
    source = "sign_form"


class SupporterFactory(factory.django.DjangoModelFactory):
    """A person on the supporter list; confirmed unless told otherwise."""

    class Meta:
        model = "supporters.Supporter"

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Supporter {n}")
    status = "confirmed"
    confirmed_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class PetitionUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supporters.PetitionUpdate"

    petition = factory.SubFactory(PetitionPageFactory)
    subject = factory.Sequence(lambda n: f"We handed in the petition, part {n}")
    body = (
        "Thank you for signing.\n\n"
        "We handed the petition in at Full Council on Tuesday: https://example.org/council"
    )


class UpdateDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supporters.UpdateDelivery"

    update = factory.SubFactory(PetitionUpdateFactory)
    email = factory.Sequence(lambda n: f"recipient{n}@example.org")


# Hand-in


class HandinPackFactory(factory.django.DjangoModelFactory):
    """A pack waiting to be built (build it with ``handin_pack_build``)."""

    class Meta:
        model = "handin.HandinPack"

    petition = factory.SubFactory(PetitionPageFactory)
    include_addresses = False


# Abuse controls


class InvalidationRuleFactory(factory.django.DjangoModelFactory):
    """A draft rule (not applied) matching one connection's IP hash on a petition."""

    class Meta:
        model = "abuse.InvalidationRule"

    petition = factory.SubFactory(PetitionPageFactory)
    kind = "ip_hash"
    ip_hash = factory.Sequence(lambda n: f"{n:032x}")
    note = "Dozens of signatures from one connection in a few minutes"


class ConfirmedSignerFactory(SupporterSignatureFactory):
    """A signer who ticked "keep me up to date" and confirmed their address: on the
    supporter list (confirmed), so updates reach them."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def supporter(signature, create, extracted, **kwargs):
        if create and signature.email:
            SupporterFactory._meta.model.objects.get_or_create(
                email=signature.email.strip().lower(),
                defaults={
                    "name": signature.name,
                    "status": "confirmed",
                    "confirmed_at": datetime.datetime.now(datetime.UTC),
                },
            )
