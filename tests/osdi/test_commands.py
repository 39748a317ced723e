"""``undersigned api-key``: make a key (printed once), list the keys, revoke one."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from undersigned.osdi import selectors
from undersigned.osdi.models import ApiKey

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_makes_lists_and_revokes_a_key():
    out, err = _run("create", "--name", "CRM sync", "--scope", "write")

    secret = out.strip()
    api_key = ApiKey.objects.get()
    assert selectors.api_key_get_active(secret=secret) == api_key
    assert api_key.scope == "write"
    assert "shown only now" in err

    listed, _ = _run("list")
    assert api_key.prefix in listed
    assert "CRM sync" in listed
    assert secret not in listed

    _run("revoke", api_key.prefix)
    assert selectors.api_key_get_active(secret=secret) is None
    assert "revoked" in _run("list")[0]


def test_an_unknown_prefix_or_a_bad_scope_is_refused():
    with pytest.raises(CommandError):
        _run("revoke", "nothing1")
    with pytest.raises(CommandError):
        _run("create", "--name", "X", "--scope", "admin")
    with pytest.raises(CommandError):
        _run("create", "--name", " ", "--scope", "read")
    assert not ApiKey.objects.exists()


def test_a_key_never_starts_with_a_dash_so_its_prefix_can_be_typed_to_revoke_it(monkeypatch):
    drawn = iter(["-" + "a" * 42, "b" * 43])
    monkeypatch.setattr("undersigned.osdi.services.secrets.token_urlsafe", lambda n: next(drawn))

    secret = _run("create", "--name", "CRM sync", "--scope", "read")[0].strip()

    assert secret == "b" * 43
    _run("revoke", ApiKey.objects.get().prefix)
    assert selectors.api_key_get_active(secret=secret) is None
