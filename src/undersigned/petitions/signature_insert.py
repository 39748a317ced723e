"""The one statement that stores a signature of a petition: the person's first, or a
duplicate of it, or nothing.

Signing is the one write that a viral petition makes thousands of times a minute, so it is
a single ``INSERT ... SELECT`` instead of the four ORM queries it would otherwise take (is
the petition open, has this person signed, where is their postcode, insert). And a person
who signs again costs the same statement as someone new, so that nobody can tell from how
long the answer takes whether someone has signed. The database does all of it at once:

- the ``SELECT`` yields a row only while the petition is live, open, not paused and not past
  its closing time, read in the same statement that writes: a petition closed a moment ago
  takes no more signatures, whatever copy of it the caller holds;
- ``LEFT JOIN`` on the postcode table fills in the ward, constituency and council codes;
- ``LEFT JOIN`` on the person's earlier signature by each way of being the same person
  (``SAME_PERSON_RULES``: by email, by name and postcode; through their partial unique
  indexes) stores this one as a ``duplicate`` of the earliest found;
- when the rate limits are counted in the database (no Redis), it counts the connection's
  signatures within the window (:class:`RateLimitCheck`) and stores the signature as suspect
  if there are already as many as a limit allows: no counter table to write as well;
- ``ON CONFLICT DO NOTHING`` leaves the row out if any of those partial unique constraints
  says this person signed a moment ago, after the statement looked (two of their
  signatures sent at once).

Whether a row was stored comes back through ``RETURNING``. When none was, the caller finds
out why (closed, signed at the same moment, or a signature of theirs held back as suspect
that this one may take the place of) with ordinary ORM queries: that path is rare.
SQLite (3.35 or later) and PostgreSQL both understand the statement as written. The column
list comes from the model, so a new column is included without editing SQL here. Its
parameters are named (``%(petition_id)s``), so that a value used in several places (the
petition, the person's email and postcode, the connection) is sent once.

On PostgreSQL the statement is prepared once on each connection (``PREPARE``) and run with
``EXECUTE``: planning its joins took twice as long as running it, on every signature.
(Where psycopg binds parameters on the server, it prepares statements run often itself.)
"""

from __future__ import annotations

import hashlib
import re
import weakref
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from wagtail.models import Page

from undersigned.abuse.suspicion import RateLimitCheck, SuspectReason
from undersigned.petitions.models import (
    SAME_PERSON_RULES,
    PetitionPage,
    PetitionState,
    Signature,
    SignatureState,
)
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


# PostgreSQL advisory locks are keyed by two numbers: this one says "a connection's signing".
SIGNING_LOCK_SPACE = 0x5349474E


# A named parameter of the statement: %(name)s.
PARAMETER = re.compile(r"%\((\w+)\)s")


class _Statement(NamedTuple):
    sql: str
    names: tuple[str, ...]  # its parameters, each once, in the order they first appear
    per_petition: bool  # which limits it counts (a different statement for each combination)
    overall: bool
    prepared_name: str  # its name when prepared on a PostgreSQL connection


_statements: dict[tuple[str, bool, bool], _Statement] = {}


def _database() -> BaseDatabaseWrapper:
    """The database signatures are stored in. Each read through ``django.db.connection`` (a
    proxy to this connection of this thread) costs more than a dozen plain reads, and the
    signing path read it twenty times a signature."""
    return connections[DEFAULT_DB_ALIAS]


def _recent_count_sql(db: BaseDatabaseWrapper, *, per_petition: bool, limit: str) -> str:
    """How many of a connection's signatures since a moment, up to the limit named ``limit``."""
    qn = db.ops.quote_name
    petition = f"AND recent.{qn('petition_id')} = %(petition_id)s " if per_petition else ""
    return (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {qn(Signature._meta.db_table)} recent "  # noqa: S608
        f"WHERE recent.{qn('ip_hash')} = %(ip_hash)s AND recent.{qn('created_at')} >= %(since)s "
        f"{petition}LIMIT %({limit})s) AS counted)"
    )


def _statement(
    db: BaseDatabaseWrapper, *, per_petition: bool = False, overall: bool = False
) -> _Statement:
    """The SQL for this database, and which values it takes (worked out once per shape)."""
    key = (db.vendor, per_petition, overall)
    cached = _statements.get(key)
    if cached:
        return cached
    qn = db.ops.quote_name
    limited = per_petition or overall
    fields = [field for field in Signature._meta.concrete_fields if not field.primary_key]
    pk, created = qn(Signature._meta.pk.column), qn("created_at")
    # The person's earlier signature found by each rule, joined under these names.
    same = [f"same_{index}" for index in range(len(SAME_PERSON_RULES))]
    signed_before = f"({' OR '.join(f'{alias}.{pk} IS NOT NULL' for alias in same)})"
    # The earliest of them, the earlier rule's on a tie: the first rule's found that no later
    # rule's is earlier than (any passed over had a later rule's earlier than it).
    original = "CASE "
    for index, alias in enumerate(same[:-1]):
        not_later = "".join(
            f"AND ({later}.{pk} IS NULL OR {later}.{created} >= {alias}.{created}) "
            for later in same[index + 1 :]
        )
        original += f"WHEN {alias}.{pk} IS NOT NULL {not_later}THEN {alias}.{pk} "
    original += f"ELSE {same[-1]}.{pk} END"
    duplicate = f"'{SignatureState.DUPLICATE}'"
    # Filled by the statement itself: the area codes, the original if the person signed
    # before, and the state and reason (given, or from the limits, unless a duplicate).
    computed = {
        **{name: f"COALESCE(place.{qn(name)}, '')" for name in AREA_FIELDS},
        "duplicate_of_id": f"CASE WHEN {signed_before} THEN {original} END",
        "state": (
            f"CASE WHEN {signed_before} THEN {duplicate} "
            f"WHEN limit_check.reason = '' THEN '{SignatureState.COUNTED}' "
            f"ELSE '{SignatureState.SUSPECT}' END"
            if limited
            else f"CASE WHEN {signed_before} THEN {duplicate} ELSE %(state)s END"
        ),
        "suspect_reason": (
            f"CASE WHEN {signed_before} THEN '' ELSE "
            f"{'limit_check.reason' if limited else '%(suspect_reason)s'} END"
        ),
    }
    # PostgreSQL prepares the statement before it sees any value, so a value inserted as it
    # comes is given its column's type (the conditions' values take theirs from the column
    # they are compared with).
    typed = db.vendor == "postgresql"
    selected = [
        computed.get(
            field.attname,
            f"%({field.attname})s::{field.cast_db_type(db)}" if typed else f"%({field.attname})s",
        )
        for field in fields
    ]
    checks = []
    if overall:
        checks.append(
            f"WHEN {_recent_count_sql(db, per_petition=False, limit='overall_limit')} "
            f">= %(overall_limit)s THEN '{SuspectReason.OVERALL_RATE_LIMIT}' "
        )
    if per_petition:
        checks.append(
            f"WHEN {_recent_count_sql(db, per_petition=True, limit='petition_limit')} "
            f">= %(petition_limit)s THEN '{SuspectReason.PETITION_RATE_LIMIT}' "
        )
    limit_check = (
        f"CROSS JOIN (SELECT CASE {''.join(checks)}ELSE '' END AS reason) limit_check "
        if limited
        else ""
    )
    petition = PetitionPage._meta
    page_link = petition.get_ancestor_link(Page)
    returned = ", ".join(
        qn(Signature._meta.get_field(name).column)
        for name in ("state", "suspect_reason", "duplicate_of", *AREA_FIELDS)
    )
    table = qn(Signature._meta.db_table)

    def column(name: str) -> str:
        return qn(Signature._meta.get_field(name).column)

    # Each join's condition repeats its rule's unique index's own (SamePersonRule.condition),
    # so that the index is read (one row at most).
    earlier = "".join(
        f"LEFT JOIN {table} {alias} ON {alias}.{column('petition')} = %(petition_id)s "
        + "".join(f"AND {alias}.{column(name)} = %({name})s " for name in rule.key)
        + f"AND NOT ({alias}.{column(rule.needs)} = '') "
        f"AND NOT ({alias}.{column('state')} = {duplicate}) "
        for rule, alias in zip(SAME_PERSON_RULES, same, strict=True)
    )
    suspect = f"'{SignatureState.SUSPECT}'"
    every_earlier_suspect = " AND ".join(
        f"COALESCE({alias}.{column('state')}, {suspect}) = {suspect}" for alias in same
    )
    # Table and column names come from the models, the states and reasons from their enums;
    # every value is a parameter.
    sql = (
        f"INSERT INTO {qn(Signature._meta.db_table)} "  # noqa: S608
        f"({', '.join(qn(field.column) for field in fields)}) "
        f"SELECT {', '.join(selected)} "
        f"FROM {qn(petition.db_table)} petition "
        f"INNER JOIN {qn(Page._meta.db_table)} page "
        f"ON page.{qn(Page._meta.pk.column)} = petition.{qn(page_link.column)} "
        f"LEFT JOIN {qn(Postcode._meta.db_table)} place "
        f"ON place.{qn(Postcode._meta.pk.column)} = %(postcode)s "
        f"{earlier}"
        f"{limit_check}"
        f"WHERE petition.{qn(page_link.column)} = %(petition_id)s "
        f"AND page.{qn('live')} "
        f"AND petition.{qn('state')} = '{PetitionState.OPEN}' "
        f"AND NOT petition.{qn('signing_paused')} "
        # Open at the moment of signing: not past its closing time when the signature was made.
        f"AND (petition.{qn('closes_at')} IS NULL OR petition.{qn('closes_at')} > %(created_at)s) "
        f"AND NOT (%(may_replace_suspect)s AND {signed_before} AND {every_earlier_suspect}) "
        f"ON CONFLICT DO NOTHING "
        f"RETURNING {qn(Signature._meta.pk.column)}, {returned}"
    )
    name = f"undersigned_signature_insert_{hashlib.sha256(sql.encode()).hexdigest()[:12]}"
    names = tuple(dict.fromkeys(PARAMETER.findall(sql)))
    statement = _Statement(sql, names, per_petition, overall, name)
    _statements[key] = statement
    return statement


# The statements prepared on each PostgreSQL connection (a new connection starts empty).
_prepared: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()


def _numbered(statement: _Statement) -> str:
    """The statement with its named parameters numbered as ``PREPARE`` wants them, in the
    order of ``statement.names``: $1, $2 ..."""
    number = {name: position for position, name in enumerate(statement.names, start=1)}
    return PARAMETER.sub(lambda found: f"${number[found[1]]}", statement.sql)


def _prepared_execute(cursor, statement: _Statement, count: int) -> str:
    """The ``EXECUTE`` of ``statement`` with ``count`` values, prepared first if this
    connection has not prepared it yet (a prepared statement lasts as long as the
    connection, whatever becomes of the transaction it was prepared in)."""
    prepared = _prepared.setdefault(cursor.db.connection, set())
    if statement.prepared_name not in prepared:
        cursor.execute(f"PREPARE {statement.prepared_name} AS {_numbered(statement)}")
        prepared.add(statement.prepared_name)
    return f"EXECUTE {statement.prepared_name}({', '.join(['%s'] * count)})"


# PostgreSQL's "prepared statement does not exist".
FORGOTTEN_STATEMENT = "26000"


def _run_prepared(cursor, statement: _Statement, params: dict, *, lock_for: str) -> tuple | None:
    """On PostgreSQL: run ``statement`` through its prepared form, after the connection
    lock of ``lock_for`` if given. A server that forgot it (``DISCARD ALL`` or
    ``DEALLOCATE``, as a connection pooler may send) has it prepared again, and the
    signature stored at the second try, unless a transaction was open (the failure has
    ended it, so the caller's transaction fails as it would for any error; the next
    signature on the connection prepares it again)."""

    values = [params[name] for name in statement.names]

    def run() -> tuple | None:
        execute = _prepared_execute(cursor, statement, len(values))
        if lock_for:
            return _run_after_connection_lock(cursor, execute, values, lock_for)
        cursor.execute(execute, values)
        return cursor.fetchone()

    try:
        return run()
    except ProgrammingError as error:
        if getattr(error.__cause__, "sqlstate", None) != FORGOTTEN_STATEMENT:
            raise
        _prepared[cursor.db.connection].discard(statement.prepared_name)
        if cursor.db.in_atomic_block:
            raise
    return run()


def _binds_on_the_client(db: BaseDatabaseWrapper) -> bool:
    """Whether psycopg merges parameters into the SQL here (Django's default), which lets
    several statements go in one message."""
    return not db.settings_dict["OPTIONS"].get("server_side_binding")


def _run_after_connection_lock(cursor, sql: str, params: list | dict, ip_hash: str) -> tuple | None:
    """On PostgreSQL: wait for the connection's other signing transactions, then run ``sql``.

    Each statement reads what was committed when it started, so the insert's count sees the
    signatures the lock's previous holders committed. Both go in one message where psycopg
    binds on the client: one round trip, and outside a transaction PostgreSQL runs the
    message as one, which holds the lock until the insert is committed.
    """
    lock = "SELECT pg_advisory_xact_lock(%s, hashtext(%s))"
    lock_params = [SIGNING_LOCK_SPACE, ip_hash]
    if _binds_on_the_client(cursor.db):
        cursor.execute(f"{lock}; {sql}", [*lock_params, *params])
        cursor.nextset()
    else:
        cursor.execute(lock, lock_params)
        cursor.execute(sql, params)
    return cursor.fetchone()


def atomic_by_itself() -> bool:
    """Whether :meth:`SignatureInsert.run` is a whole transaction without the caller
    opening one: one statement on SQLite, one message on PostgreSQL (when it binds on the
    client). Elsewhere the caller must open one, for the lock to last until the commit."""
    db = _database()
    if db.vendor == "sqlite":
        return True
    return db.vendor == "postgresql" and _binds_on_the_client(db)


class SignatureInsert:
    """The statement for one signature, its parameters worked out before any lock is taken.

    On SQLite every write waits for the one write lock, so the transaction that holds it
    should do as little Python as it can: build this first, then :meth:`run` it inside.
    """

    def __init__(self, signature: Signature) -> None:
        self.signature = signature
        self.values = {}
        db = _database()
        for field in Signature._meta.concrete_fields:
            value = getattr(signature, field.attname)
            # None stays None (NULL) whatever the field; text goes as it is (see TEXT_FIELDS).
            if value is not None and field.attname not in TEXT_FIELDS:
                value = field.get_db_prep_save(value, db)
            self.values[field.attname] = value

    def run(
        self,
        *,
        state: str = SignatureState.COUNTED,
        suspect_reason: str = SuspectReason.NONE,
        rate_limits: RateLimitCheck | None = None,
    ) -> bool:
        """Store the signature if its petition takes signatures now: as ``state`` for
        ``suspect_reason``, unless ``rate_limits`` are given and it goes over one (then as
        suspect, for that limit); as a duplicate of the person's earlier signature if they
        signed before. Then its ``pk``, state, reason, original and area codes are set.
        ``False``: nothing was stored, and the signature is unchanged; that is also the
        answer when every earlier signature of the person is suspect and this one is not
        ``state`` suspect, for the caller to decide whether it takes their place.

        On PostgreSQL, counting a connection's signatures first waits for that connection's
        other signatures being stored to commit (a lock held until the transaction ends), so
        that two at once cannot both slip under a limit; SQLite's single writer does the
        same by itself. Call it inside a transaction unless :func:`atomic_by_itself`.
        """
        db = _database()
        limited = rate_limits is not None and rate_limits.applies()
        params = {
            **self.values,
            "may_replace_suspect": state != SignatureState.SUSPECT,
        }
        if limited:
            statement = _statement(
                db, per_petition=bool(rate_limits.per_petition), overall=bool(rate_limits.overall)
            )
            params |= {
                "since": db.ops.adapt_datetimefield_value(rate_limits.since),
                "overall_limit": rate_limits.overall,
                "petition_limit": rate_limits.per_petition,
            }
        else:
            statement = _statement(db)
            params |= {"state": state, "suspect_reason": suspect_reason}
        with db.cursor() as cursor:
            lock_for = rate_limits.ip_hash if limited else ""
            if db.vendor == "postgresql" and _binds_on_the_client(db):
                row = _run_prepared(cursor, statement, params, lock_for=lock_for)
            elif lock_for and db.vendor == "postgresql":
                # Bound on the server, psycopg prepares a statement run often by itself.
                row = _run_after_connection_lock(cursor, statement.sql, params, lock_for)
            else:
                cursor.execute(statement.sql, params)
                row = cursor.fetchone()
        if row is None:
            return False
        signature = self.signature
        signature.pk, signature.state, signature.suspect_reason, original, *areas = row
        signature.duplicate_of_id = original
        for name, value in zip(AREA_FIELDS, areas, strict=True):
            setattr(signature, name, value)
        signature._state.adding = False
        signature._state.db = db.alias
        return True
