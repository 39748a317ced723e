"""Public endpoints of the abuse controls: a fresh proof-of-work challenge for the sign form."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from undersigned.abuse import limits, proof_of_work


@require_GET
@never_cache
def challenge(request: HttpRequest) -> JsonResponse:
    """A challenge for one visitor, never cached (the petition page itself may be), so the
    page's script fetches it here rather than finding it in the HTML."""
    difficulty = limits.abuse_limits().proof_of_work_difficulty
    return JsonResponse(proof_of_work.challenge_create(difficulty))
