"""The OSDI 1.x shapes of our resources (HAL+JSON), and the record signature helper's body
read into what the sign form would have sent.

Plain functions from a model to a dict: each takes the request (for absolute links) and
whatever its caller read in bulk for the whole page (counts, key names, subscriptions), so
that no resource makes a query of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from undersigned.osdi.selectors import ResultPage
from undersigned.petitions.models import PetitionPage, Signature, SignatureSource
from undersigned.petitions.services import SignerDetails

ORIGIN_SYSTEM = "Undersigned"
CURIE_NAME = "osdi"
OSDI_DOCS = "https://opensupporter.github.io/osdi-docs/{rel}"


def _url(request: HttpRequest, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"osdi:{name}", kwargs=kwargs or None))


def _link(href: str) -> dict[str, str]:
    return {"href": href}


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _identifiers(pk: int) -> list[str]:
    return [f"undersigned:{pk}"]


def curies() -> list[dict[str, Any]]:
    return [{"name": CURIE_NAME, "href": OSDI_DOCS, "templated": True}]


def entry_point(request: HttpRequest) -> dict[str, Any]:
    return {
        "motd": _("Petitions, signatures and people of this Undersigned site."),
        "vendor_name": ORIGIN_SYSTEM,
        "product_name": ORIGIN_SYSTEM,
        "osdi_version": "1.x",
        "_links": {
            "curies": curies(),
            "self": _link(_url(request, "entry_point")),
            "osdi:petitions": _link(_url(request, "petitions")),
            "osdi:people": _link(_url(request, "people")),
        },
    }


def petition(request: HttpRequest, page: PetitionPage, *, total: int) -> dict[str, Any]:
    """A petition; ``description`` is its summary (plain text, no markup to sanitise)."""
    return {
        "identifiers": _identifiers(page.pk),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": _date(page.created_at),
        "modified_date": _date(page.last_published_at or page.created_at),
        "title": page.title,
        "description": page.summary,
        "petition_text": page.statement,
        "browser_url": request.build_absolute_uri(page.url),
        "total_signatures": total,
        "target": [{"name": page.target}],
        "_links": {
            "self": _link(_url(request, "petition", petition_id=page.pk)),
            "osdi:signatures": _link(_url(request, "signatures", petition_id=page.pk)),
            "osdi:record_signature_helper": _link(
                _url(request, "record_signature_helper", petition_id=page.pk)
            ),
        },
    }


def referrer_source(signature: Signature, *, api_key_name: str | None) -> str:
    if api_key_name is not None:
        return "osdi"
    return "paper" if signature.source == SignatureSource.PAPER else "online"


def signature_url(request: HttpRequest, row: Signature) -> str:
    return _url(request, "signature", petition_id=row.petition_id, signature_id=row.pk)


def signature(request: HttpRequest, row: Signature, *, api_key_name: str | None) -> dict[str, Any]:
    """A signature; ``referrer_data`` says how it came (online, paper, osdi: with the key)."""
    referrer = {"source": referrer_source(row, api_key_name=api_key_name)}
    if api_key_name is not None:
        referrer["referrer"] = api_key_name
    return {
        "identifiers": _identifiers(row.pk),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": _date(row.created_at),
        "modified_date": _date(row.state_changed_at or row.created_at),
        "action_date": _date(row.created_at),
        "referrer_data": referrer,
        "_links": {
            "self": _link(signature_url(request, row)),
            "osdi:person": _link(_url(request, "person", person_id=row.pk)),
            "osdi:petition": _link(_url(request, "petition", petition_id=row.petition_id)),
        },
    }


def name_split(name: str) -> tuple[str, str]:
    """(given, family) from the one name a signer typed: the last word is the family name
    ("Ada King Lovelace" -> "Ada King", "Lovelace"); a single word is a given name."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def person(request: HttpRequest, row: Signature, *, subscribed: bool) -> dict[str, Any]:
    """The signer of ``row``: email "subscribed" only if they confirmed they want updates."""
    given, family = name_split(row.name)
    resource: dict[str, Any] = {
        "identifiers": _identifiers(row.pk),
        "origin_system": ORIGIN_SYSTEM,
        "created_date": _date(row.created_at),
        "modified_date": _date(row.state_changed_at or row.created_at),
        "given_name": given,
        "family_name": family,
        "email_addresses": [],
        "postal_addresses": [],
        "custom_fields": {
            "ward_code": row.ward_code,
            "constituency_code": row.constituency_code,
            "local_authority_code": row.local_authority_code,
        },
        "_links": {
            "self": _link(_url(request, "person", person_id=row.pk)),
            "osdi:signatures": _link(_url(request, "signatures", petition_id=row.petition_id)),
        },
    }
    if row.email:
        resource["email_addresses"].append(
            {
                "address": row.email,
                "primary": True,
                "status": "subscribed" if subscribed else "unsubscribed",
            }
        )
    if row.postcode or row.address:
        address: dict[str, Any] = {"country": "GB", "primary": True}
        if row.address:
            address["address_lines"] = [
                line.strip() for line in row.address.splitlines() if line.strip()
            ]
        if row.postcode:
            address["postal_code"] = row.postcode
        resource["postal_addresses"].append(address)
    return resource


def collection(
    request: HttpRequest,
    result: ResultPage,
    *,
    name: str,
    item: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """A page of a collection: OSDI's paging fields, links to the pages either side and the
    items under ``_embedded["osdi:<name>"]``."""

    def page_url(number: int) -> str:
        query = QueryDict(mutable=True)
        query.update({"page": str(number), "per_page": str(result.per_page)})
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    links: dict[str, Any] = {"curies": curies(), "self": _link(page_url(result.page))}
    if result.page < result.total_pages:
        links["next"] = _link(page_url(result.page + 1))
    if result.page > 1:
        links["previous"] = _link(page_url(min(result.page - 1, max(result.total_pages, 1))))
    rows = [item(row) for row in result.items]
    links[f"osdi:{name}"] = [resource["_links"]["self"] for resource in rows]
    return {
        "total_pages": result.total_pages,
        "per_page": result.per_page,
        "page": result.page,
        "total_records": result.total_records,
        "_links": links,
        "_embedded": {f"osdi:{name}": rows},
    }


class BodyError(ValueError):
    """The helper's body is not what OSDI describes; ``field`` is where (e.g. "person")."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Where each detail of the sign form is in the helper's body, to name it in an error.
FIELD_PATHS = {
    "name": "person.given_name",
    "address": "person.postal_addresses[0].address_lines",
    "postcode": "person.postal_addresses[0].postal_code",
    "email": "person.email_addresses[0].address",
}


def _first(person_data: Mapping, key: str) -> Mapping:
    items = person_data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BodyError(_("This must be a list of objects."), f"person.{key}")
    primary = [item for item in items if item.get("primary")]
    return (primary or items or [{}])[0]


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BodyError(_("This must be text."), field)
    return value


def signer_from_helper(body: Any) -> SignerDetails:
    """What the sign form would have held for a record signature helper's ``body``.

    An email whose ``status`` is "subscribed" is the "keep me up to date" box ticked (the
    campaign tool vouches that the person was shown our consent wording or its equal). The
    primary email and postal address are used, else the first. ``add_tags`` and ``triggers``
    are accepted and ignored: there are no tags here, and the confirmation email goes to
    whoever asked for updates, as the form's does.
    """
    if not isinstance(body, dict) or not isinstance(body.get("person"), dict):
        raise BodyError(_("The body must be a JSON object with a \u201cperson\u201d."), "person")
    data = body["person"]
    given = _text(data.get("given_name"), "person.given_name")
    family = _text(data.get("family_name"), "person.family_name")
    email = _first(data, "email_addresses")
    postal = _first(data, "postal_addresses")
    lines = postal.get("address_lines") or []
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise BodyError(_("This must be a list of text."), FIELD_PATHS["address"])
    return SignerDetails(
        name=f"{given.strip()} {family.strip()}".strip(),
        address="\n".join(lines),
        postcode=_text(postal.get("postal_code"), FIELD_PATHS["postcode"]),
        email=_text(email.get("address"), FIELD_PATHS["email"]),
        wants_updates=email.get("status") == "subscribed",
    )
