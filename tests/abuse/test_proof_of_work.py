"""Proof of work: challenges the browser solves, and solutions checked, expired and spent once."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest

from undersigned.abuse import proof_of_work
from undersigned.abuse.models import AbuseSettings
from undersigned.abuse.proof_of_work import ProofProblem

pytestmark = pytest.mark.django_db


def solve(challenge: dict) -> int:
    """What the page's script does: try numbers until the hash matches."""
    for number in range(challenge["maxnumber"] + 1):
        digest = hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest()
        if digest == challenge["challenge"]:
            return number
    raise AssertionError("the challenge has no solution")


def payload(challenge: dict, **changes) -> str:
    solution = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solve(challenge),
        "salt": challenge["salt"],
        "signature": challenge["signature"],
        **changes,
    }
    return base64.b64encode(json.dumps(solution).encode()).decode()


@pytest.fixture
def challenge() -> dict:
    return proof_of_work.challenge_create(500)


def test_a_challenge_has_a_secret_number_no_larger_than_the_difficulty_and_an_expiry():
    now = time.time()
    created = proof_of_work.challenge_create(500, now=now)

    assert created["algorithm"] == "SHA-256"
    assert created["maxnumber"] == 500
    assert 0 <= solve(created) <= 500
    assert created["salt"].endswith(f"?expires={int(now) + proof_of_work.CHALLENGE_SECONDS}")
    assert len(created["signature"]) == 64


def test_two_challenges_differ():
    first, second = proof_of_work.challenge_create(500), proof_of_work.challenge_create(500)

    assert first["salt"] != second["salt"]
    assert first["challenge"] != second["challenge"]


def test_a_good_solution_is_accepted_once_and_refused_when_sent_again(challenge):
    solution = payload(challenge)

    assert proof_of_work.solution_check(solution) is None
    assert proof_of_work.solution_check(solution) is ProofProblem.REPLAYED
    assert proof_of_work.solution_verify(solution) is False


def test_solution_verify_says_yes_to_a_good_solution(challenge):
    assert proof_of_work.solution_verify(payload(challenge)) is True


def test_a_wrong_number_is_refused(challenge):
    wrong = (solve(challenge) + 1) % (challenge["maxnumber"] + 1)

    assert proof_of_work.solution_check(payload(challenge, number=wrong)) is ProofProblem.WRONG


def test_a_challenge_with_a_signature_that_is_not_ours_is_refused(challenge):
    forged = payload(challenge, signature="0" * 64)

    assert proof_of_work.solution_check(forged) is ProofProblem.WRONG


def test_a_challenge_made_up_by_the_client_is_refused():
    salt = "chosen?expires=9999999999"
    made_up = {
        "algorithm": "SHA-256",
        "challenge": hashlib.sha256(f"{salt}1".encode()).hexdigest(),
        "salt": salt,
        "signature": "f" * 64,
        "maxnumber": 1,
    }

    assert proof_of_work.solution_check(payload(made_up)) is ProofProblem.WRONG


def test_an_expiry_pushed_back_by_the_client_is_refused(challenge):
    later = challenge["salt"].split("?")[0] + "?expires=9999999999"

    assert proof_of_work.solution_check(payload(challenge, salt=later)) is ProofProblem.WRONG


def test_an_expired_challenge_is_refused():
    long_ago = time.time() - proof_of_work.CHALLENGE_SECONDS - 1
    expired = proof_of_work.challenge_create(500, now=long_ago)

    assert proof_of_work.solution_check(payload(expired)) is ProofProblem.EXPIRED


@pytest.mark.parametrize(
    "sent",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b'{"algorithm": "SHA-256"}').decode(),
        base64.b64encode("\u00e9".encode()).decode(),
        "A" * 5000,
    ],
    ids=["not base64", "not json", "not an object", "fields missing", "not ascii", "too long"],
)
def test_a_garbled_solution_is_refused_without_an_error(sent):
    assert proof_of_work.solution_check(sent) is ProofProblem.MALFORMED


@pytest.mark.parametrize("number", [True, -1, "3", 1.5])
def test_a_number_that_is_not_a_whole_number_of_zero_or_more_is_refused(challenge, number):
    assert proof_of_work.solution_check(payload(challenge, number=number)) is ProofProblem.MALFORMED


def test_another_algorithm_is_refused(challenge):
    assert (
        proof_of_work.solution_check(payload(challenge, algorithm="SHA-1"))
        is ProofProblem.MALFORMED
    )


def test_no_solution_at_all_is_missing():
    assert proof_of_work.solution_check("") is ProofProblem.MISSING


def test_the_challenge_endpoint_gives_a_fresh_challenge_that_is_never_cached(client):
    settings = AbuseSettings.load()
    settings.proof_of_work_difficulty = 1234
    settings.save()

    first = client.get("/abuse/challenge/")
    second = client.get("/abuse/challenge/")

    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert "no-store" in first["Cache-Control"]
    body = first.json()
    assert body["maxnumber"] == 1234
    assert set(body) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert body["challenge"] != second.json()["challenge"]
    assert proof_of_work.solution_check(payload(body)) is None


def test_the_challenge_endpoint_takes_only_get(client):
    assert client.post("/abuse/challenge/").status_code == 405
