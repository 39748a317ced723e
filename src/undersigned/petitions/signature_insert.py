"""The one statement that stores a person's first signature of a petition, or nothing.

Signing is the one write that a viral petition makes thousands of times a minute, so its
common case (someone new signs an open petition) is a single ``INSERT ... SELECT`` instead
of the four ORM queries it would otherwise take (is the petition open, has this person
signed, where is their postcode, insert). The database does all of it at once:

- the ``SELECT`` yields a row only while the petition is live, open, not paused and not past
  its closing time, read in the same statement that writes: a petition closed a moment ago
  takes no more signatures, whatever copy of it the caller holds;
- ``LEFT JOIN`` on the postcode table fills in the ward, constituency and council codes;
- ``ON CONFLICT DO NOTHING`` leaves the row out if either of the partial unique constraints
  on signatures (same email, same name and postcode) says this person signed before.

Whether a row was stored comes back through ``RETURNING``. When none was, the caller finds
out why (closed, or a duplicate to record as such) with ordinary ORM queries: that path is
rare. SQLite (3.35 or later) and PostgreSQL both understand the statement as written. The
column list comes from the model, so a new column is included without editing SQL here.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.db import connection
from wagtail.models import Page

from undersigned.petitions.models import PetitionPage, PetitionState, Signature
from undersigned.places.models import Postcode

# Filled from the postcode table inside the statement rather than passed in.
AREA_FIELDS = ("ward_code", "constituency_code", "local_authority_code")

# Text columns whose values go to the database as the strings they are (Django's conversion
# for them returns the value unchanged, and costs more than the rest of the statement's
# parameters together). Every other column goes through its field's conversion.
TEXT_FIELDS = frozenset(
    field.attname
    for field in Signature._meta.concrete_fields
    if field.get_internal_type() in {"CharField", "TextField"}
)


class _Statement(NamedTuple):
    sql: str
    passed: list  # the fields whose values it takes, in order
    state_at: int  # where among them the state and the suspect reason are
    reason_at: int


_statements: dict[str, _Statement] = {}


def _statement() -> _Statement:
    """The SQL for this database, and where its parameters go (worked out once)."""
    cached = _statements.get(connection.vendor)
    if cached:
        return cached
    qn = connection.ops.quote_name
    fields = [field for field in Signature._meta.concrete_fields if not field.primary_key]
    passed = [field for field in fields if field.attname not in AREA_FIELDS]
    selected = [
        f"COALESCE(place.{qn(field.column)}, '')" if field.attname in AREA_FIELDS else "%s"
        for field in fields
    ]
    petition = PetitionPage._meta
    page_link = petition.get_ancestor_link(Page)
    returned = ", ".join(qn(Signature._meta.get_field(name).column) for name in AREA_FIELDS)
    # Table and column names come from the models; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(Signature._meta.db_table)} "  # noqa: S608
        f"({', '.join(qn(field.column) for field in fields)}) "
        f"SELECT {', '.join(selected)} "
        f"FROM {qn(petition.db_table)} petition "
        f"INNER JOIN {qn(Page._meta.db_table)} page "
        f"ON page.{qn(Page._meta.pk.column)} = petition.{qn(page_link.column)} "
        f"LEFT JOIN {qn(Postcode._meta.db_table)} place "
        f"ON place.{qn(Postcode._meta.pk.column)} = %s "
        f"WHERE petition.{qn(page_link.column)} = %s "
        f"AND page.{qn('live')} "
        f"AND petition.{qn('state')} = %s "
        f"AND NOT petition.{qn('signing_paused')} "
        f"AND (petition.{qn('closes_at')} IS NULL OR petition.{qn('closes_at')} > %s) "
        f"ON CONFLICT DO NOTHING "
        f"RETURNING {qn(Signature._meta.pk.column)}, {returned}"
    )
    names = [field.attname for field in passed]
    statement = _Statement(sql, passed, names.index("state"), names.index("suspect_reason"))
    _statements[connection.vendor] = statement
    return statement


class FirstSignatureInsert:
    """The statement for one signature, its parameters worked out before any lock is taken.

    On SQLite every write waits for the one write lock, so the transaction that holds it
    should do as little Python as it can: build this first, then :meth:`run` it inside.
    """

    def __init__(self, signature: Signature, *, now: datetime.datetime) -> None:
        self.signature = signature
        self.statement = _statement()
        self.params = []
        for field in self.statement.passed:
            value = getattr(signature, field.attname)
            # None stays None (NULL) whatever the field; text goes as it is (see TEXT_FIELDS).
            if value is not None and field.attname not in TEXT_FIELDS:
                value = field.get_db_prep_save(value, connection)
            self.params.append(value)
        self.params += [
            signature.postcode,
            signature.petition_id,
            PetitionState.OPEN,
            connection.ops.adapt_datetimefield_value(now),
        ]

    def run(self, *, state: str, suspect_reason: str) -> bool:
        """Store the signature as ``state`` if its petition takes signatures now and the person
        has not signed it before; then its ``pk``, state and area codes are set. ``False``:
        nothing was stored, and the signature is unchanged.
        """
        params = list(self.params)
        params[self.statement.state_at] = state
        params[self.statement.reason_at] = suspect_reason
        with connection.cursor() as cursor:
            cursor.execute(self.statement.sql, params)
            row = cursor.fetchone()
        if row is None:
            return False
        signature = self.signature
        signature.state, signature.suspect_reason = state, suspect_reason
        signature.pk, *areas = row
        for name, value in zip(AREA_FIELDS, areas, strict=True):
            setattr(signature, name, value)
        signature._state.adding = False
        signature._state.db = connection.alias
        return True
