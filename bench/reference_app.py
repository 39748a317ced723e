"""The yardstick for bench/sign_throughput.py: the least a sign request can cost.

A WSGI app with no framework that takes the sign form's POST, reads the urlencoded fields,
and inserts one row into ``petitions_signature`` (every column the real sign path fills,
for the same petition, in the same database with the same connection settings), then
answers 303 to the thank-you page. It checks nothing: no CSRF, no validation, no duplicate
detection. The bench runs it under the same gunicorn command line as ``undersigned
serve``, so the two throughputs differ only by what Undersigned does per request:

    BENCH_REFERENCE='{...}' gunicorn --chdir bench reference_app:application

``BENCH_REFERENCE`` is JSON written by the bench: ``vendor`` (``sqlite`` or
``postgresql``), ``database`` (a file path or a connection URL), ``init`` (SQLite
pragmas), ``timeout``, ``table``, ``constants`` (column -> value for the columns every
row shares), ``redirect`` and ``ip_hash_key``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import threading
from urllib.parse import parse_qs

CONFIG = json.loads(os.environ.get("BENCH_REFERENCE", "{}"))
VARYING = ["name", "name_key", "postcode", "ip_hash", "created_at"]
_local = threading.local()


def _insert_sql(placeholder: str) -> str:
    columns = [*CONFIG["constants"], *VARYING]
    marks = ", ".join([placeholder] * len(columns))
    # Names come from the bench's own JSON (Django's model), values are parameters.
    return f"INSERT INTO {CONFIG['table']} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


def _connection():
    connection = getattr(_local, "connection", None)
    if connection is None:
        if CONFIG["vendor"] == "sqlite":
            import sqlite3

            connection = sqlite3.connect(
                CONFIG["database"], timeout=CONFIG["timeout"], isolation_level=None
            )
            connection.executescript(CONFIG["init"])
            _local.sql = _insert_sql("?")
        else:
            import psycopg

            connection = psycopg.connect(CONFIG["database"], autocommit=True)
            _local.sql = _insert_sql("%s")
        _local.connection = connection
    return connection


def _now():
    now = datetime.datetime.now(datetime.UTC)
    # Django stores SQLite datetimes as naive UTC text.
    return now.replace(tzinfo=None).isoformat(" ") if CONFIG["vendor"] == "sqlite" else now


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":
        start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
        return [b"POST the sign form here\n"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(length).decode())
    name = " ".join(form.get("name", [""])[0].split())
    postcode = form.get("postcode", [""])[0].strip().upper()
    client = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    ip_hash = hmac.new(CONFIG["ip_hash_key"].encode(), client.encode(), hashlib.sha256)
    row = [*CONFIG["constants"].values(), name, name.casefold(), postcode]
    row += [ip_hash.hexdigest()[:32], _now()]
    connection = _connection()
    if CONFIG["vendor"] == "sqlite":
        # As Django's SQLite settings do: take the write lock up front, wait for it if busy.
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(_local.sql, row)
        connection.execute("COMMIT")
    else:
        connection.execute(_local.sql, row)
    start_response(
        "303 See Other",
        [("Location", CONFIG["redirect"]), ("Content-Type", "text/html; charset=utf-8")],
    )
    return [b""]
