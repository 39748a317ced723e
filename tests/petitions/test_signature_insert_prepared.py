"""On PostgreSQL the signing statement is prepared once per connection and then executed.

Planning the statement's joins cost twice what running it did, on every signature; a
prepared statement is planned once. These check that it is prepared once, used after, and
prepared again by a connection whose server forgot it (a connection pooler's DISCARD ALL).
"""

from __future__ import annotations

import re

import pytest
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from undersigned.petitions import services
from undersigned.petitions.models import Signature, SignatureState

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def sign(petition, name: str) -> services.SignResult:
    signer = services.SignerDetails(name=name, postcode="CR0 1NY")
    return services.sign(petition=petition, signer=signer, ip_hash=f"ip-{name}")


def prepared_signing_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM pg_prepared_statements "
            "WHERE name LIKE 'undersigned_signature_insert_%%'"
        )
        return [row[0] for row in cursor.fetchall()]


def starting_with(capture: CaptureQueriesContext, word: str) -> list[str]:
    return [query["sql"] for query in capture.captured_queries if query["sql"].startswith(word)]


@pytest.mark.django_db
def test_signatures_execute_the_prepared_statement_and_prepare_it_at_most_once(petition):
    with CaptureQueriesContext(connection) as first:
        sign(petition, "Ada Lovelace")
    with CaptureQueriesContext(connection) as later:
        sign(petition, "Grace Hopper")
        sign(petition, "Mary Seacole")

    # The first on this connection prepares it, unless an earlier test's signature did.
    assert len(starting_with(first, "PREPARE undersigned_signature_insert_")) <= 1
    assert starting_with(later, "PREPARE") == []
    executed = {
        re.search(r"EXECUTE (undersigned_signature_insert_\w+)", query["sql"])
        for query in later.captured_queries
    } - {None}
    names = {match[1] for match in executed}
    assert len(executed) == 2 and len(names) == 1
    assert names <= set(prepared_signing_statements())
    assert Signature.objects.filter(petition=petition, state=SignatureState.COUNTED).count() == 3


@pytest.mark.django_db
def test_a_duplicate_is_found_through_the_prepared_statement_too(petition):
    sign(petition, "Ada Lovelace")
    sign(petition, "Grace Hopper")

    again = sign(petition, "ADA  lovelace")

    assert again.signature.state == SignatureState.DUPLICATE
    assert again.signature.duplicate_of.name == "Ada Lovelace"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_server_that_forgot_the_statement_has_it_prepared_again_and_nothing_is_lost(petition):
    sign(petition, "Ada Lovelace")
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")  # what a pooler sends when a client session ends
    assert prepared_signing_statements() == []

    result = sign(petition, "Grace Hopper")

    assert result.signature.state == SignatureState.COUNTED
    assert len(prepared_signing_statements()) == 1
    assert Signature.objects.filter(petition=petition).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_a_transaction_a_forgotten_statement_fails_it_and_the_next_prepares_it_again(
    petition,
):
    sign(petition, "Ada Lovelace")
    with connection.cursor() as cursor:
        cursor.execute("DISCARD ALL")

    with pytest.raises(ProgrammingError), transaction.atomic():
        sign(petition, "Grace Hopper")
    with transaction.atomic():
        result = sign(petition, "Mary Seacole")

    assert result.signature.state == SignatureState.COUNTED
    assert sorted(Signature.objects.values_list("name", flat=True)) == [
        "Ada Lovelace",
        "Mary Seacole",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_connection_prepares_the_statement_afresh(petition):
    sign(petition, "Ada Lovelace")
    connection.close()

    with CaptureQueriesContext(connection) as capture:
        result = sign(petition, "Grace Hopper")

    assert len(starting_with(capture, "PREPARE undersigned_signature_insert_")) == 1
    assert result.signature.state == SignatureState.COUNTED
    assert len(prepared_signing_statements()) == 1
