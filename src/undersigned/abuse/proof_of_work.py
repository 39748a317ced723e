"""Proof of work for petitions under attack, in the style of ALTCHA, served by the site itself.

The server picks a secret number up to ``difficulty`` and hands out ``sha256(salt + number)``
with an HMAC of it; the browser tries numbers until the hash matches, which costs it about
``difficulty / 2`` hashes, and sends back the number. Checking costs the server one hash and
one HMAC. The salt carries its expiry (``<random>?expires=<unix time>``) and is bound into the
signed hash, so neither can be changed; a solution is accepted once (the shared store
remembers spent challenges until they expire). No third party is involved.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import parse_qs

from django.utils.crypto import salted_hmac

from undersigned.abuse import store

ALGORITHM = "SHA-256"
# Long enough to fill in the form after the page has loaded (the script solves a new challenge
# if the one it holds is about to expire); short enough that solutions cannot be stockpiled.
CHALLENGE_SECONDS = 20 * 60
HMAC_SALT = "undersigned.abuse.proof_of_work"
# A payload is about 300 characters; anything far longer is not from our script.
PAYLOAD_MAX_CHARS = 2000


class ProofProblem(enum.Enum):
    MISSING = "missing"
    MALFORMED = "malformed"
    WRONG = "wrong"  # wrong number, or a challenge or signature that was not ours
    EXPIRED = "expired"
    REPLAYED = "replayed"


def _signature(challenge: str) -> str:
    return salted_hmac(HMAC_SALT, challenge, algorithm="sha256").hexdigest()


def _hash(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def challenge_create(difficulty: int, *, now: float | None = None) -> dict:
    """A new challenge for a browser to solve: what ``proof-of-work.js`` fetches."""
    expires = int(time.time() if now is None else now) + CHALLENGE_SECONDS
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    maxnumber = max(difficulty, 1)
    challenge = _hash(salt, secrets.randbelow(maxnumber + 1))
    return {
        "algorithm": ALGORITHM,
        "challenge": challenge,
        "maxnumber": maxnumber,
        "salt": salt,
        "signature": _signature(challenge),
    }


def _same(given: str, expected: str) -> bool:
    # Bytes: compare_digest refuses str with characters outside ASCII.
    return hmac.compare_digest(given.encode(), expected.encode())


def _expires(salt: str) -> int | None:
    _, _, query = salt.partition("?")
    values = parse_qs(query).get("expires", [])
    if len(values) != 1 or not (values[0].isascii() and values[0].isdigit()):
        return None
    return int(values[0])


def solution_check(payload: str, *, now: float | None = None) -> ProofProblem | None:
    """What is wrong with a solution sent with the form, or ``None`` if it is good.

    A good solution is spent by this call: the same one is refused the next time.
    """
    if not payload:
        return ProofProblem.MISSING
    if len(payload) > PAYLOAD_MAX_CHARS:
        return ProofProblem.MALFORMED
    try:
        solution = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError):
        return ProofProblem.MALFORMED
    if not isinstance(solution, dict):
        return ProofProblem.MALFORMED
    challenge, salt = solution.get("challenge"), solution.get("salt")
    signature, number = solution.get("signature"), solution.get("number")
    if (
        solution.get("algorithm") != ALGORITHM
        or not all(isinstance(value, str) for value in (challenge, salt, signature))
        or not isinstance(number, int)
        or isinstance(number, bool)
        or number < 0
    ):
        return ProofProblem.MALFORMED
    if not _same(signature, _signature(challenge)) or not _same(challenge, _hash(salt, number)):
        return ProofProblem.WRONG
    expires = _expires(salt)
    now = time.time() if now is None else now
    if expires is None or expires <= now:
        return ProofProblem.EXPIRED
    if not store.spend_once(f"pow:{challenge}", int(expires - now) + 1, now=now):
        return ProofProblem.REPLAYED
    return None


def solution_verify(payload: str) -> bool:
    """Whether ``payload`` (base64 JSON: algorithm, challenge, number, salt, signature) is a
    good, unexpired solution not used before. Spends it."""
    return solution_check(payload) is None
