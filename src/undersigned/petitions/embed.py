"""The sign form on other sites: a small page made for a partner's ``<iframe>``.

``/petitions/<slug>/embed/`` shows the count, the statement in short, the same sign form as
the petition page and the privacy promise. Only the pages of the origins the organiser lists
(on the petition, or site-wide) may frame it: the answer carries ``frame-ancestors`` with
them, or ``'none'`` (and ``X-Frame-Options: DENY``) when none is listed.

The form posts to ``/petitions/<slug>/embed/sign/``, taken by the same function as the
petition page's form (:func:`~undersigned.petitions.views.signature_take`). Inside another
site's frame browsers withhold our cookies (third-party cookies blocked or partitioned, and
``SameSite`` ones never sent), so Django's CSRF cookie cannot be checked there; this one
address instead takes only a form sent from a page of this site, as the browser reports it
(:func:`~undersigned.site.security.same_origin_only`). Every other form keeps Django's check.

A signature leads to a short thank-you inside the frame, with the new count and a link that
opens the full thank-you page (with its share links) in a new tab: a browser opens a tab only
when the person asks, and taking the partner's whole page over would lose them their visitor.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from undersigned.abuse import limits
from undersigned.petitions import selectors, views
from undersigned.petitions.forms import SignatureForm
from undersigned.petitions.models import PetitionPage
from undersigned.site.models import SiteSettings
from undersigned.site.security import framing_allow, same_origin_only


def _framed(
    request: HttpRequest,
    petition: PetitionPage | selectors.SigningTarget,
    response: HttpResponse,
) -> HttpResponse:
    origins = selectors.petition_embed_origins(
        petition=petition, site_settings=SiteSettings.for_request(request)
    )
    return framing_allow(request, response, origins=origins)


def _shared_briefly(response: HttpResponse, petition: PetitionPage) -> None:
    """Kept by the page cache (and browsers) as briefly as a public page is."""
    patch_cache_control(response, public=True, max_age=settings.UNDERSIGNED_PAGE_CACHE_SECONDS)
    views.cache_no_longer_than_open(response, petition, now=timezone.now())


def _render_embed(
    request: HttpRequest,
    petition: PetitionPage,
    form: SignatureForm,
    *,
    abuse: limits.AbuseLimits,
    status: int = 200,
) -> HttpResponse:
    response = TemplateResponse(
        request,
        "petitions/embed.html",
        {
            "page": petition,
            "embedded": True,
            **views.sign_section_context(request, petition, form, abuse=abuse, now=timezone.now()),
        },
        status=status,
    )
    return response.render()


def _live_petition(slug: str) -> PetitionPage:
    petition = selectors.petition_get_live(slug=slug)
    if petition is None:
        raise Http404
    return petition


@require_safe
def petition_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The petition's count, statement, sign form and privacy promise, for a frame."""
    petition = _live_petition(slug)
    form = views.signature_form(selectors.SigningTarget.of(petition))
    response = _render_embed(request, petition, form, abuse=limits.abuse_limits())
    _shared_briefly(response, petition)
    return _framed(request, petition, response)


@same_origin_only
def petition_embed_sign(request: HttpRequest, slug: str) -> HttpResponse:
    """Where the embedded form is sent: as the petition page's form, but the form comes back
    in the frame, and a signature leads to the thank-you in the frame."""
    if request.method not in views.PAGE_METHODS:
        return views.methods_refused(
            _("The sign form is sent here, nothing else. Nothing was saved.")
        )
    target = selectors.signing_target(slug=slug)
    if target is None:
        raise Http404
    if request.method != "POST":
        return HttpResponseRedirect(reverse("petitions:embed", kwargs={"slug": slug}))

    def form_again(form: SignatureForm, abuse: limits.AbuseLimits, status: int) -> HttpResponse:
        petition = views.signing_petition(target)
        return _render_embed(request, petition, form, abuse=abuse, status=status)

    response = views.signature_take(
        request,
        target,
        form_again=form_again,
        done_url=reverse("petitions:embed_thank_you", kwargs={"slug": slug}),
    )
    # The form again, or the redirect to the thank-you: either way an answer in the frame.
    return _framed(request, target, response)


@require_safe
def petition_embed_thank_you(request: HttpRequest, slug: str) -> HttpResponse:
    """The thank-you in the frame: the count, and the full thank-you page a click away."""
    petition = _live_petition(slug)
    response = TemplateResponse(
        request,
        "petitions/embed_thank_you.html",
        {
            "page": petition,
            "page_url": request.build_absolute_uri(petition.get_url(request)),
            "thank_you_url": request.build_absolute_uri(petition.thank_you_url),
            **views.count_context(petition),
        },
    )
    response = response.render()
    _shared_briefly(response, petition)
    return _framed(request, petition, response)
