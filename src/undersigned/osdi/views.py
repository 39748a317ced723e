"""The OSDI API's views: plain Django views answering HAL+JSON, kept thin.

Every request carries a key in the ``OSDI-API-Token`` header (no cookies, so no CSRF), is
counted against that key's limit, and is answered ``Cache-Control: private, no-store``: it
may hold people's details, which no shared cache may keep.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from undersigned.osdi import selectors, serializers, services
from undersigned.osdi.models import ApiKey
from undersigned.petitions.models import SignatureState
from undersigned.site.errors import ApplicationError

TOKEN_HEADER = "OSDI-API-Token"  # noqa: S105 - the header's name, not a secret
HAL_JSON = "application/hal+json"
READ_METHODS = ("GET", "HEAD")


def _hal(data: dict, *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data, status=status, content_type=HAL_JSON, json_dumps_params={"ensure_ascii": False}
    )


def _error(message: str, *, status: int, **extra) -> JsonResponse:
    return JsonResponse(
        {"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _unauthorised(message: str) -> JsonResponse:
    response = _error(message, status=401)
    response["WWW-Authenticate"] = f'{TOKEN_HEADER} realm="osdi"'
    return response


def _checked(
    request: HttpRequest, view: Callable, kwargs: dict, *, methods: tuple[str, ...], write: bool
) -> HttpResponse:
    """The view's answer, once the method and the key are found good; else the refusal."""
    if request.method not in methods:
        response = _error(_("This address does not take %s.") % request.method, status=405)
        response["Allow"] = ", ".join(methods)
        return response
    secret = request.headers.get(TOKEN_HEADER, "").strip()
    if not secret:
        return _unauthorised(_("Send your API key in the OSDI-API-Token header."))
    api_key = selectors.api_key_get_active(secret=secret)
    if api_key is None:
        return _unauthorised(_("That API key is not known here, or was revoked."))
    wait = services.api_key_use(api_key=api_key)
    if wait is not None:
        response = _error(
            _("Too many requests with this key. Try again in %(seconds)s seconds.")
            % {"seconds": wait},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    if write and not api_key.can_write:
        return _error(_("This key can only read. Make a write key to send data."), status=403)
    return view(request, api_key=api_key, **kwargs)


def api_view(*, methods: tuple[str, ...] = READ_METHODS, write: bool = False) -> Callable:
    """Checks the method and the key (401 none or wrong, 429 over its limit, 403 a read key
    writing) before the view runs, which gets the key as ``api_key``. Every use of a key is
    counted, refused or not."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, **kwargs) -> HttpResponse:
            response = _checked(request, view, kwargs, methods=methods, write=write)
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, [TOKEN_HEADER])
            return response

        return wrapped

    return decorate


def _paging(request: HttpRequest) -> tuple[int, int] | JsonResponse:
    values = {}
    for name, default in (("page", 1), ("per_page", selectors.PER_PAGE_DEFAULT)):
        raw = request.GET.get(name, str(default))
        if not raw.isdigit() or int(raw) < 1:
            return _error(_("This must be a whole number from 1."), status=400, field=name)
        values[name] = int(raw)
    return values["page"], values["per_page"]


def _not_found(what: str) -> JsonResponse:
    return _error(_("No such %s here.") % what, status=404)


@api_view()
def entry_point(request: HttpRequest, *, api_key: ApiKey) -> HttpResponse:
    return _hal(serializers.entry_point(request))


@api_view()
def petitions(request: HttpRequest, *, api_key: ApiKey) -> HttpResponse:
    paging = _paging(request)
    if isinstance(paging, JsonResponse):
        return paging
    result = selectors.result_page(selectors.petition_list(), page=paging[0], per_page=paging[1])
    totals = selectors.petition_signature_totals(petitions=result.items)
    return _hal(
        serializers.collection(
            request,
            result,
            name="petitions",
            item=lambda page: serializers.petition(request, page, total=totals[page.pk]),
        )
    )


@api_view()
def petition(request: HttpRequest, *, api_key: ApiKey, petition_id: int) -> HttpResponse:
    page = selectors.petition_get(petition_id=petition_id)
    if page is None:
        return _not_found(_("petition"))
    totals = selectors.petition_signature_totals(petitions=[page])
    return _hal(serializers.petition(request, page, total=totals[page.pk]))


@api_view()
def signatures(request: HttpRequest, *, api_key: ApiKey, petition_id: int) -> HttpResponse:
    page = selectors.petition_get(petition_id=petition_id)
    if page is None:
        return _not_found(_("petition"))
    paging = _paging(request)
    if isinstance(paging, JsonResponse):
        return paging
    result = selectors.result_page(
        selectors.signature_list(petition=page), page=paging[0], per_page=paging[1]
    )
    keys = selectors.signature_api_keys(signature_ids=[row.pk for row in result.items])
    return _hal(
        serializers.collection(
            request,
            result,
            name="signatures",
            item=lambda row: serializers.signature(request, row, api_key_name=keys.get(row.pk)),
        )
    )


def _signature_resource(request: HttpRequest, row) -> dict:
    keys = selectors.signature_api_keys(signature_ids=[row.pk])
    return serializers.signature(request, row, api_key_name=keys.get(row.pk))


@api_view()
def signature(
    request: HttpRequest, *, api_key: ApiKey, petition_id: int, signature_id: int
) -> HttpResponse:
    page = selectors.petition_get(petition_id=petition_id)
    row = (
        None if page is None else selectors.signature_get(petition=page, signature_id=signature_id)
    )
    if row is None:
        return _not_found(_("signature"))
    return _hal(_signature_resource(request, row))


@api_view()
def people(request: HttpRequest, *, api_key: ApiKey) -> HttpResponse:
    paging = _paging(request)
    if isinstance(paging, JsonResponse):
        return paging
    result = selectors.result_page(selectors.person_list(), page=paging[0], per_page=paging[1])
    subscribed = selectors.subscribed_emails(emails=[row.email for row in result.items])
    return _hal(
        serializers.collection(
            request,
            result,
            name="people",
            item=lambda row: serializers.person(request, row, subscribed=row.email in subscribed),
        )
    )


@api_view()
def person(request: HttpRequest, *, api_key: ApiKey, person_id: int) -> HttpResponse:
    row = selectors.person_get(person_id=person_id)
    if row is None:
        return _not_found(_("person"))
    subscribed = row.email in selectors.subscribed_emails(emails=[row.email])
    return _hal(serializers.person(request, row, subscribed=subscribed))


@api_view(methods=("POST",), write=True)
def record_signature_helper(
    request: HttpRequest, *, api_key: ApiKey, petition_id: int
) -> HttpResponse:
    """Sign the petition for the person in the body, as the sign form would.

    201 with the new signature; 202 with it when it was stored but held back as suspect (over
    the signing limits, counted per key), as the form's would be; 200 with the person's
    earlier signature when they had signed already (the duplicate is kept, as the form keeps
    it, and not counted); 400 naming the field for bad input; 409 when the petition takes
    no signatures now.
    """
    page = selectors.petition_get(petition_id=petition_id)
    if page is None:
        return _not_found(_("petition"))
    try:
        body = json.loads(request.body or b"null")
    except ValueError:  # not JSON, or not UTF-8
        return _error(_("The body must be JSON."), status=400, field="body")
    try:
        signer = serializers.signer_from_helper(body)
    except serializers.BodyError as error:
        return _error(error.message, status=400, field=error.field)
    try:
        result = services.signature_record(api_key=api_key, petition=page, signer=signer)
    except ApplicationError as error:
        if "field" in error.extra:
            field = serializers.FIELD_PATHS.get(error.extra["field"], error.extra["field"])
            return _error(error.message, status=400, field=field)
        if "proof_of_work" in error.extra:
            return _error(
                _(
                    "This petition asks every signer's browser for proof of work while it is "
                    "under attack; it takes no signatures through the API until that is off."
                ),
                status=409,
            )
        return _error(error.message, status=409)
    stored = result.signature
    if stored.state == SignatureState.DUPLICATE:
        original = selectors.signature_original_get(signature=stored)
        return _hal(_signature_resource(request, original), status=200)
    status = 202 if stored.state == SignatureState.SUSPECT else 201
    response = _hal(_signature_resource(request, stored), status=status)
    response["Location"] = serializers.signature_url(request, stored)
    return response
