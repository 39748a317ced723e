"""Views for the sign flow: the petition page with its form and the thank-you page (the JSON
is open data, in ``open_data``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
    HttpResponseRedirect,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from wagtail.images.models import SourceImageIOError

from undersigned.abuse import limits
from undersigned.petitions import selectors, services, share_card
from undersigned.petitions.forms import SignatureForm
from undersigned.petitions.models import PetitionIndexPage, PetitionPage, PetitionState
from undersigned.petitions.selectors import AreaCount
from undersigned.site.errors import ApplicationError
from undersigned.site.http import client_ip
from undersigned.site.models import SiteSettings
from undersigned.site.page_views import page_view
from undersigned.speed.caching import cached_briefly
from undersigned.supporters.consent import updates_consent_wording


def count_context(petition: PetitionPage) -> dict:
    count = selectors.signature_count(petition=petition)
    return {
        "signature_count": count,
        "paper_signature_count": selectors.signature_count_paper(petition=petition),
        "progress_percent": selectors.signature_progress_percent(
            count=count, goal=petition.signature_goal
        ),
    }


# The public page lists this many wards (and constituencies); the admin lists them all.
PUBLIC_AREA_ROWS = 10


def areas_top(rows: list[AreaCount], *, limit: int, others: str) -> list[AreaCount]:
    """The ``limit`` largest areas, the rest summed in one row labelled by ``others`` (which
    gets the number of areas), then the rows of signatures that could not be placed."""
    located = [row for row in rows if row.located]
    unplaced = [row for row in rows if not row.located]
    if len(located) <= limit:
        return rows
    rest = located[limit:]
    other = AreaCount(
        code="",
        name=others % {"count": len(rest)},
        count=sum(row.count for row in rest),
        share=sum(row.share for row in rest),
    )
    return [*located[:limit], other, *unplaced]


def support_context(petition: PetitionPage, *, limit: int | None = None) -> dict | None:
    """What the "Support by area" section shows; ``None`` before the first signature.

    With a ``limit`` (the public page) the few rows shown are cached on their own, so that a
    busy page does not read back every ward of a petition signed across the country.
    """
    if limit is None:
        return _support_context_build(petition, limit=None)
    key = f"petitions:support:v1:{petition.pk}:{petition.target_local_authority_id or ''}:{limit}"
    return cached_briefly(
        key,
        settings.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS,
        lambda: _support_context_build(petition, limit=limit),
    )


def _support_context_build(petition: PetitionPage, *, limit: int | None) -> dict | None:
    breakdown = selectors.signature_breakdown(petition=petition)
    if not breakdown.total:
        return None
    wards, constituencies = breakdown.by_ward, breakdown.by_constituency
    if limit is not None:
        wards = areas_top(wards, limit=limit, others=_("%(count)s other wards"))
        constituencies = areas_top(
            constituencies, limit=limit, others=_("%(count)s other constituencies")
        )
    return {
        "total": breakdown.total,
        "wards": wards,
        "constituencies": constituencies,
        "inside": breakdown.inside_target,
        "map": selectors.petition_ward_map(petition=petition),
    }


def sign_section_context(
    request: HttpRequest,
    petition: PetitionPage,
    form: SignatureForm,
    *,
    abuse: limits.AbuseLimits,
    now,
) -> dict:
    """What the sign section (``includes/sign_section.html``) shows, on the petition's page
    and in the frame made for other sites alike. Nothing here may depend on the visitor: the
    HTML can be cached and shared."""
    reads_as = petition.status(now=now)
    return {
        "form": form,
        "petition_status": reads_as,
        "accepting": reads_as == PetitionState.OPEN,
        "signing_paused_message": limits.signing_paused_message(petition=petition, limits=abuse),
        "page_url": request.build_absolute_uri(petition.get_url(request)),
        **count_context(petition),
    }


def _render_petition(
    request: HttpRequest,
    petition: PetitionPage,
    form: SignatureForm,
    *,
    abuse: limits.AbuseLimits,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    response = petition.render(
        request,
        context_overrides={
            **sign_section_context(request, petition, form, abuse=abuse, now=now),
            "support": None
            if limits.breakdowns_paused(limits=abuse)
            else support_context(petition, limit=PUBLIC_AREA_ROWS),
            "share_image": share_image(request, petition),
            "stories": story_links(petition),
        },
    )
    response.status_code = status
    cache_no_longer_than_open(response, petition, now=now)
    return response


def cache_no_longer_than_open(response: HttpResponse, petition: PetitionPage, *, now) -> None:
    """A copy kept by the page cache must not show the form after the closing time."""
    closing_in = _seconds_until_closing(petition, now=now)
    if closing_in is not None and closing_in < settings.UNDERSIGNED_PAGE_CACHE_SECONDS:
        patch_cache_control(response, max_age=closing_in)


def _seconds_until_closing(petition: PetitionPage, *, now) -> int | None:
    if petition.closes_at is None or not petition.is_accepting_signatures(now=now):
        return None
    return int((petition.closes_at - now).total_seconds())


# The size that Facebook, X and others preview a shared link at.
SHARE_IMAGE_FILTER = "fill-1200x630-c100"


def share_image(request: HttpRequest, petition: PetitionPage) -> dict:
    """What ``og:image`` points at: the petition's image cut to 1200x630, or else the card
    drawn from its title (its address changes when the card does, so previews refresh)."""
    if petition.image is not None:
        try:
            rendition = petition.image.get_rendition(SHARE_IMAGE_FILTER)
        except SourceImageIOError:  # the file is gone: better the card than no picture
            pass
        else:
            return {
                "url": request.build_absolute_uri(rendition.url),
                "width": rendition.width,
                "height": rendition.height,
                "alt": petition.image.default_alt_text,
            }
    card = selectors.petition_share_card(
        petition=petition, site_settings=SiteSettings.for_request(request)
    )
    address = reverse("petitions:share_card", kwargs={"slug": petition.slug})
    return {
        "url": request.build_absolute_uri(f"{address}?v={card.key}"),
        "width": share_card.WIDTH,
        "height": share_card.HEIGHT,
        "alt": petition.title,
    }


def story_links(petition: PetitionPage) -> list[dict]:
    """The stories that promote the petition, as its page lists them (kept as briefly as
    the support breakdown: a story published a moment ago shows up within that time)."""

    def build() -> list[dict]:
        return [
            {
                "title": story.title,
                "url": story.get_url(),
                "date": getattr(story, "date", None) or story.first_published_at,
            }
            for story in selectors.petition_story_list(petition=petition)
        ]

    return cached_briefly(
        f"petitions:stories:v1:{petition.pk}",
        settings.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS,
        build,
    )


# Browsers and link previewers may keep a card this long; a changed card has a new address.
SHARE_CARD_MAX_AGE = 24 * 3600


@require_safe
def petition_share_card(request: HttpRequest, slug: str) -> HttpResponse:
    """The petition's share card, a 1200x630 PNG of its title and organiser."""
    petition = selectors.petition_get_live(slug=slug)
    if petition is None:
        raise Http404
    card = selectors.petition_share_card(
        petition=petition, site_settings=SiteSettings.for_request(request)
    )
    etag = quote_etag(card.key)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(share_card.share_card_png(card), content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=SHARE_CARD_MAX_AGE)
    return response


def request_ip_hash(request: HttpRequest) -> str:
    # No address (a misconfigured proxy or socket): no hash, rather than one hash that every
    # such signer would share, and so one rate limit that they would all go over together.
    ip = client_ip(request)
    return services.hash_client_ip(ip) if ip else ""


PAGE_METHODS = ["GET", "HEAD", "POST"]


def methods_refused(message: str) -> HttpResponse:
    return HttpResponseNotAllowed(PAGE_METHODS, message, content_type="text/plain; charset=utf-8")


def signature_form(target: selectors.SigningTarget, data=None) -> SignatureForm:
    """The sign form for ``target``, empty or holding what was sent (``data``)."""
    consent = updates_consent_wording(organiser_name=target.organiser_name)
    return SignatureForm(
        data,
        consent_text=consent.text,
        honeypot=target.honeypot_enabled,
        proof_of_work=target.proof_of_work_required,
    )


@page_view(PetitionIndexPage, "context")
def petition_index_context(request: HttpRequest, page: PetitionIndexPage) -> dict:
    """The petitions section lists its published petitions."""
    return {"petitions": selectors.petition_list_published(parent=page)}


@page_view(PetitionPage, "petition")
def petition_page(request: HttpRequest, petition: PetitionPage) -> HttpResponse:
    """The petition with its sign form. A POST here is taken as at :func:`petition_sign`
    (the form's own address), so that a page from before that address existed still works."""
    if request.method not in PAGE_METHODS:
        return methods_refused(
            _("This page can be read and its form sent, nothing else. Nothing was saved.")
        )
    target = selectors.SigningTarget.of(petition)
    if request.method == "POST":
        return signature_take(
            request,
            target,
            form_again=_petition_again(request, target, petition=petition),
            done_url=target.thank_you_url,
        )
    return _render_petition(request, petition, signature_form(target), abuse=limits.abuse_limits())


def petition_sign(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the sign form is sent: stores the signature and redirects to the thank-you page.

    Kept apart from the page (which Wagtail routes through the page tree, and builds as a page
    object with every field) so that a signature, the one request a spike repeats thousands of
    times a minute, costs no more than it must. A GET (a reload of the address after an
    error) goes back to the petition.
    """
    if request.method not in PAGE_METHODS:
        return methods_refused(_("The sign form is sent here, nothing else. Nothing was saved."))
    target = selectors.signing_target(slug=slug)
    if target is None:
        raise Http404
    if request.method != "POST":
        return redirect(target.url)
    return signature_take(
        request, target, form_again=_petition_again(request, target), done_url=target.thank_you_url
    )


# What the sign form is shown again with: the form as sent, the abuse limits the submission
# was checked against, and the status of the answer.
FormAgain = Callable[[SignatureForm, limits.AbuseLimits, int], HttpResponse]


def signing_petition(target: selectors.SigningTarget) -> PetitionPage:
    """The live petition ``target`` is a copy of, to show again; 404 if it is gone since."""
    page = PetitionPage.objects.live().filter(pk=target.pk).first()
    if page is None:
        raise Http404
    return page


def _petition_again(
    request: HttpRequest, target: selectors.SigningTarget, *, petition: PetitionPage | None = None
) -> FormAgain:
    def again(form: SignatureForm, abuse: limits.AbuseLimits, status: int) -> HttpResponse:
        page = petition or signing_petition(target)
        return _render_petition(request, page, form, abuse=abuse, status=status)

    return again


def signature_take(
    request: HttpRequest,
    target: selectors.SigningTarget,
    *,
    form_again: FormAgain,
    done_url: str,
) -> HttpResponse:
    """Check and store a sign-form submission for ``target`` and redirect to ``done_url``;
    where it can't be, ``form_again`` shows the form again (the petition page's, or the
    embedded form's), with what was typed and what is wrong."""
    abuse = limits.abuse_limits()
    form = signature_form(target, request.POST)

    def page_again(status: int = 200) -> HttpResponse:
        return form_again(form, abuse, status)

    # Closed, not open yet or paused: the page says so instead of showing the form, and
    # nothing is stored. 409 rather than 503: the server is fine, the petition's state says
    # no (and a proxy in front keeps its hands off a 4xx page, so the message gets through).
    # Asked before the form is read, so that no field errors are worked out for nothing.
    try:
        services.petition_ensure_accepting(target, abuse=abuse)
    except ApplicationError:
        return page_again(status=409)
    if not form.is_valid():
        return page_again()
    try:
        services.sign(
            petition=target,
            signer=form.signer_details(),
            ip_hash=request_ip_hash(request),
            honeypot=form.honeypot_value,
            proof_of_work_solution=form.proof_of_work_solution,
            abuse=abuse,
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        if "proof_of_work" in error.extra:
            return page_again()  # the browser checks again; nothing wrong with the petition
        # Closed or paused since the copy of the petition was read.
        return page_again(status=409)
    # Not redirect(): it tries the address as a URL name first, which costs a failed reverse().
    return HttpResponseRedirect(done_url)


def share_links(*, url: str, title: str) -> list[dict[str, str]]:
    """Where a signer can pass the petition on; plain links, so they work without JavaScript."""
    text = _("I've signed “%(title)s”. Will you sign too?") % {"title": title}
    return [
        {
            "label": _("Share on Facebook"),
            "slug": "facebook",
            "url": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "label": _("Share on X"),
            "slug": "x",
            "url": "https://x.com/intent/post?" + urlencode({"text": text, "url": url}),
        },
        {
            "label": _("Share on WhatsApp"),
            "slug": "whatsapp",
            "url": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}),
        },
        {
            "label": _("Share by email"),
            "slug": "email",
            "url": f"mailto:?subject={quote(title)}&body={quote(text + chr(10) + chr(10) + url)}",
        },
    ]


@page_view(PetitionPage, "thank_you")
def thank_you_page(request: HttpRequest, petition: PetitionPage) -> HttpResponse:
    page_url = request.build_absolute_uri(petition.get_url(request))
    return petition.render(
        request,
        template="petitions/thank_you.html",
        context_overrides={
            "page_url": page_url,
            "share_links": share_links(url=page_url, title=petition.title),
            **count_context(petition),
        },
    )
