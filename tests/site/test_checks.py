"""The deployment checks (site/checks.py) and `undersigned check-deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from undersigned.site import checks

GOOD_KEY = "k7Qy0rX2vB9mN4pL8sT1wZ6cF3hJ5dG0aE2iU7oY9nR4tW1qS8xV3bM6"


def _ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    "key",
    ["", "short-key", "django-insecure-" + "a1b2c3d4e5" * 5, "please-change-me-" + "x1y2z3" * 8],
)
def test_a_missing_short_or_placeholder_secret_key_is_an_error(key):
    with override_settings(SECRET_KEY=key):
        messages = checks.check_secret_key(None)
    assert _ids(messages) == ["undersigned.E001"]
    assert "secrets.token_urlsafe(50)" in messages[0].hint


def test_a_long_random_secret_key_passes():
    with override_settings(SECRET_KEY=GOOD_KEY):
        assert checks.check_secret_key(None) == []


def test_any_host_allowed_is_an_error_naming_what_to_set():
    with override_settings(ALLOWED_HOSTS=["*"]):
        messages = checks.check_allowed_hosts(None)
    assert _ids(messages) == ["undersigned.E002"]
    assert "ALLOWED_HOSTS=petition.example.org" in messages[0].hint


def test_only_local_host_names_and_a_local_base_url_are_warned_about():
    with override_settings(
        ALLOWED_HOSTS=["localhost", "127.0.0.1"], WAGTAILADMIN_BASE_URL="http://127.0.0.1:8000"
    ):
        assert _ids(checks.check_site_address(None)) == ["undersigned.W008", "undersigned.W009"]
    with override_settings(
        ALLOWED_HOSTS=["petition.example.org"],
        WAGTAILADMIN_BASE_URL="http://petition.example.org",
        SESSION_COOKIE_SECURE=True,
    ):
        assert _ids(checks.check_site_address(None)) == ["undersigned.W009"]
    with override_settings(
        ALLOWED_HOSTS=["petition.example.org"],
        WAGTAILADMIN_BASE_URL="https://petition.example.org",
    ):
        assert checks.check_site_address(None) == []


def test_debug_on_is_an_error():
    with override_settings(DEBUG=True):
        assert _ids(checks.check_debug(None)) == ["undersigned.E003"]
    with override_settings(DEBUG=False):
        assert checks.check_debug(None) == []


def test_sqlite_with_several_app_servers_is_an_error_that_points_to_postgresql(tmp_path):
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    messages = checks.sqlite_problems(database=sqlite, servers=2)
    assert _ids(messages) == ["undersigned.E004"]
    assert "DATABASE_URL=postgres://" in messages[0].hint
    assert "network share" in messages[0].hint
    assert checks.sqlite_problems(database=sqlite, servers=1) == []
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "undersigned"}
    assert checks.sqlite_problems(database=postgres, servers=4) == []


@pytest.mark.skipif(not Path("/proc/self/mounts").exists(), reason="reads Linux's mount table")
def test_the_filesystem_of_a_folder_is_that_of_its_closest_mount_point():
    assert checks.filesystem_type(Path("/proc/self")) == "proc"
    assert checks.filesystem_type(Path("/")) not in {None, "proc"}


def test_several_app_servers_without_a_shared_cache_are_warned_about():
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    with override_settings(CACHES=locmem, UNDERSIGNED_APP_SERVERS=3):
        messages = checks.check_shared_cache(None)
    assert _ids(messages) == ["undersigned.W001"]
    assert "REDIS_URL=redis://" in messages[0].hint
    with override_settings(CACHES=locmem, UNDERSIGNED_APP_SERVERS=1):
        assert checks.check_shared_cache(None) == []
    with override_settings(CACHES=redis, UNDERSIGNED_APP_SERVERS=3):
        assert checks.check_shared_cache(None) == []


def test_a_proxy_in_front_with_no_trusted_proxy_count_is_warned_about():
    proxy = ("HTTP_X_FORWARDED_PROTO", "https")
    with override_settings(SECURE_PROXY_SSL_HEADER=proxy, UNDERSIGNED_TRUSTED_PROXY_COUNT=0):
        messages = checks.check_trusted_proxies(None)
    assert _ids(messages) == ["undersigned.W002"]
    assert "TRUSTED_PROXY_COUNT" in messages[0].hint
    with override_settings(SECURE_PROXY_SSL_HEADER=proxy, UNDERSIGNED_TRUSTED_PROXY_COUNT=1):
        assert checks.check_trusted_proxies(None) == []
    with override_settings(SECURE_PROXY_SSL_HEADER=None, UNDERSIGNED_TRUSTED_PROXY_COUNT=0):
        assert checks.check_trusted_proxies(None) == []


@pytest.mark.parametrize("backend", ["console", "locmem", "dummy", "filebased"])
def test_an_email_backend_that_sends_nothing_is_warned_about(backend):
    with override_settings(EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend"):
        messages = checks.check_email(None)
    assert _ids(messages) == ["undersigned.W003"]
    assert "EMAIL_HOST" in messages[0].hint


def test_smtp_email_passes():
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"):
        assert checks.check_email(None) == []


def test_no_ip_hash_key_is_warned_about_because_rotating_secret_key_would_break_matching():
    with override_settings(UNDERSIGNED_IP_HASH_KEY=""):
        messages = checks.check_ip_hash_key(None)
    assert _ids(messages) == ["undersigned.W004"]
    assert "rotating SECRET_KEY" in messages[0].msg
    with override_settings(UNDERSIGNED_IP_HASH_KEY=GOOD_KEY):
        assert checks.check_ip_hash_key(None) == []


@pytest.mark.skipif(not Path("/proc/self/mounts").exists(), reason="reads Linux's mount table")
def test_uploads_and_hand_in_packs_on_local_disk_with_several_servers_are_warned_about(tmp_path):
    local_kind = checks.filesystem_type(tmp_path)
    if local_kind not in checks.LOCAL_FILESYSTEMS:
        pytest.skip(f"{tmp_path} is on {local_kind}, not a known local filesystem")
    with override_settings(
        UNDERSIGNED_APP_SERVERS=2,
        MEDIA_ROOT=tmp_path / "media",
        UNDERSIGNED_PRIVATE_ROOT=tmp_path / "private",
    ):
        messages = checks.check_shared_files(None)
    assert _ids(messages) == ["undersigned.W005", "undersigned.W005"]
    assert "MEDIA_ROOT" in messages[0].msg
    assert "PRIVATE_ROOT" in messages[1].msg
    assert "shared" in messages[0].hint


def test_uploads_and_packs_in_shared_object_storage_pass():
    from django.conf import settings

    in_memory = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    storages = {**settings.STORAGES, "default": in_memory, "handin": in_memory}
    with override_settings(UNDERSIGNED_APP_SERVERS=2, STORAGES=storages):
        assert checks.check_shared_files(None) == []


def test_a_task_queue_without_a_worker_is_warned_about():
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        assert _ids(checks.check_task_worker(None)) == ["undersigned.W006"]


def _task(**fields) -> DBTaskResult:
    """A queued task row; ``run_after`` defaults to "as soon as possible", as stored."""
    return DBTaskResult.objects.create(
        **{
            "args_kwargs": {"args": [], "kwargs": {}},
            "task_path": "undersigned.handin.tasks.handin_pack_build",
            "backend_name": "default",
            "run_after": get_date_max(),
            **fields,
        }
    )


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DATABASE_QUEUE)
def test_tasks_waiting_long_past_their_time_mean_no_worker_is_running(db):
    long_ago = timezone.now() - timedelta(minutes=30)
    fresh = _task()
    waiting = _task()
    DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=long_ago)
    _task(run_after=long_ago)
    _task(run_after=timezone.now() + timedelta(days=1))  # scheduled for tomorrow: not late

    messages = checks.check_task_worker(None, databases=["default"])
    assert _ids(messages) == ["undersigned.W007"]
    assert messages[0].msg.startswith("2 background task(s) have waited")
    assert "undersigned db_worker" in messages[0].hint

    DBTaskResult.objects.exclude(pk=fresh.pk).delete()
    assert checks.check_task_worker(None, databases=["default"]) == []
    # Without --database the queue is not read at all.
    _task(run_after=long_ago)
    assert checks.check_task_worker(None, databases=None) == []


# `undersigned check-deploy`, as an operator runs it.


def _database_url() -> str:
    """The test database, already migrated, so the checks can read the task queue."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user, host = database["USER"] or "postgres", database["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "check-deploy"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


GOOD_ENVIRONMENT = {
    "SECRET_KEY": GOOD_KEY,
    "IP_HASH_KEY": GOOD_KEY[::-1],
    "ALLOWED_HOSTS": "petition.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://petition.example.org",
    "BASE_URL": "https://petition.example.org",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_check_deploy_passes_a_complete_environment(transactional_db, tmp_path):
    result = _check_deploy(tmp_path, DATABASE_URL=_database_url(), **GOOD_ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    assert "nothing missing" in result.stdout


def test_check_deploy_fails_and_says_what_to_set(transactional_db, tmp_path):
    bad = {**GOOD_ENVIRONMENT, "ALLOWED_HOSTS": "*", "TRUSTED_PROXY_COUNT": "0"}
    result = _check_deploy(tmp_path, DATABASE_URL=_database_url(), **bad)
    assert result.returncode == 1
    assert "(undersigned.E002) ALLOWED_HOSTS accepts any host name" in result.stderr
    assert "HINT: Set ALLOWED_HOSTS to the site's host names" in result.stderr
    assert "(undersigned.W002)" in result.stderr
    assert "fix the problems above" in result.stderr


def test_check_deploy_without_a_secret_key_says_how_to_make_one(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr
