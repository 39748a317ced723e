"""Deployment checks of our own, run by ``undersigned check-deploy`` beside Django's ``--deploy``.

Each is a Django system check registered with ``deploy=True``, so it runs only when asked
for a deployment check. A message says what is wrong; its hint says exactly what to set.
"Several app servers" means ``APP_SERVERS`` (``UNDERSIGNED_APP_SERVERS``) is above one: the
operator says so, since one machine cannot see the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

KEY_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
# Words that give away a key someone typed or copied from an example.
PLACEHOLDER_SECRET_WORDS = ("insecure", "change", "example", "dev-only", "test-only", "default")
MIN_SECRET_LENGTH = 50
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
# Filesystems that live on this machine's own disks (or memory): other machines cannot see them.
LOCAL_FILESYSTEMS = {
    "ext2",
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "zfs",
    "f2fs",
    "tmpfs",
    "overlay",
    "vfat",
    "exfat",
    "ntfs",
    "ntfs3",
}
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs"}
EMAIL_BACKENDS_THAT_SEND_NOTHING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
TASK_BACKENDS_WITHOUT_WORKER = {
    "django_tasks.backends.immediate.ImmediateBackend",
    "django_tasks.backends.dummy.DummyBackend",
}
# A task still waiting this long after it was due means no worker is taking tasks.
TASK_WAIT_LIMIT = timedelta(minutes=10)


def app_servers() -> int:
    return getattr(settings, "UNDERSIGNED_APP_SERVERS", 1)


def filesystem_type(path: Path) -> str | None:
    """The type of filesystem ``path`` is on (``ext4``, ``nfs4``...), from Linux's mount table."""
    try:
        mounts = Path("/proc/self/mounts").read_text()
    except OSError:
        return None
    path = Path(path).resolve()
    best_mount, best_type = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = path == Path(mount_point) or Path(mount_point) in path.parents
        if inside and len(mount_point) >= len(best_mount):
            best_mount, best_type = mount_point, fields[2]
    return best_type


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[CheckMessage]:
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    hint = f"Set SECRET_KEY to a long random value, made with: {KEY_COMMAND}"
    if not key:
        return [Error("SECRET_KEY is not set.", hint=hint, id="undersigned.E001")]
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < 5:
        return [
            Error(
                f"SECRET_KEY is too short to be safe ({len(key)} characters, "
                f"{MIN_SECRET_LENGTH} or more needed).",
                hint=hint,
                id="undersigned.E001",
            )
        ]
    if key.startswith("django-insecure-") or any(
        word in key.lower() for word in PLACEHOLDER_SECRET_WORDS
    ):
        return [
            Error(
                "SECRET_KEY looks like a placeholder or a development key, not a random one.",
                hint=hint,
                id="undersigned.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs, **kwargs) -> list[CheckMessage]:
    if "*" in settings.ALLOWED_HOSTS:
        return [
            Error(
                "ALLOWED_HOSTS accepts any host name ('*'): a forged Host header then ends up in "
                "the links of password-reset and update emails.",
                hint="Set ALLOWED_HOSTS to the site's host names, comma-separated, e.g. "
                "ALLOWED_HOSTS=petition.example.org",
                id="undersigned.E002",
            )
        ]
    return []


@register(deploy=True)
def check_site_address(app_configs, **kwargs) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if set(settings.ALLOWED_HOSTS) <= LOCAL_HOSTS:
        messages.append(
            Warning(
                "ALLOWED_HOSTS lists only this machine's own names, so requests for the site's "
                "real address are refused (400 Bad Request).",
                hint="Set ALLOWED_HOSTS to the site's host names, e.g. "
                "ALLOWED_HOSTS=petition.example.org, and CSRF_TRUSTED_ORIGINS to its address, "
                "e.g. CSRF_TRUSTED_ORIGINS=https://petition.example.org",
                id="undersigned.W008",
            )
        )
    base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    local = base_url.hostname in {"localhost", "127.0.0.1", "::1", None}
    if local or (settings.SESSION_COOKIE_SECURE and base_url.scheme != "https"):
        messages.append(
            Warning(
                f"BASE_URL is {settings.WAGTAILADMIN_BASE_URL}: the links in emails (updates "
                "to signers, unsubscribe links, replies to the contact form) would point there.",
                hint="Set BASE_URL to the site's public address, e.g. "
                "BASE_URL=https://petition.example.org",
                id="undersigned.W009",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def check_debug(app_configs, **kwargs) -> list[CheckMessage]:
    if settings.DEBUG:
        return [
            Error(
                "DEBUG is on: error pages show settings and code to anyone.",
                hint="Remove DEBUG from the environment (or set DEBUG=false).",
                id="undersigned.E003",
            )
        ]
    return []


@register(Tags.database, deploy=True)
def check_database(app_configs, **kwargs) -> list[CheckMessage]:
    return sqlite_problems(database=settings.DATABASES["default"], servers=app_servers())


def sqlite_problems(*, database: dict, servers: int) -> list[CheckMessage]:
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return []
    path = Path(str(database["NAME"]))
    messages: list[CheckMessage] = []
    if servers > 1:
        messages.append(
            Error(
                f"APP_SERVERS={servers} but the database is SQLite ({path}): each machine "
                "would have a database of its own.",
                hint="Set DATABASE_URL=postgres://USER:PASSWORD@HOST/NAME on every app server "
                "and worker, all pointing at one PostgreSQL server. SQLite is for one machine "
                "only, and never on a network share (NFS, SMB): its locking does not work there.",
                id="undersigned.E004",
            )
        )
    kind = filesystem_type(path.parent)
    if kind in NETWORK_FILESYSTEMS:
        messages.append(
            Error(
                f"The SQLite database {path} is on a network filesystem ({kind}), where "
                "SQLite's locking is not reliable and signatures can be lost.",
                hint="Keep the SQLite file on this machine's own disk (UNDERSIGNED_DATA_DIR), "
                "or move to PostgreSQL with DATABASE_URL.",
                id="undersigned.E005",
            )
        )
    return messages


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[CheckMessage]:
    backend = settings.CACHES["default"]["BACKEND"]
    shared = backend not in {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    }
    if app_servers() > 1 and not shared:
        return [
            Warning(
                f"APP_SERVERS={app_servers()} but there is no shared cache: each app server "
                "(and each of its processes) would keep its own rate limits, so abusers get "
                "several times the limit, and its own copy of the counts.",
                hint="Set REDIS_URL=redis://HOST:6379/0 on every app server and worker, all "
                "pointing at one Redis server.",
                id="undersigned.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs) -> list[CheckMessage]:
    if settings.SECURE_PROXY_SSL_HEADER and settings.UNDERSIGNED_TRUSTED_PROXY_COUNT == 0:
        return [
            Warning(
                "The site expects a proxy or load balancer in front (HTTPS is on and "
                "SECURE_PROXY_SSL_HEADER is set) but TRUSTED_PROXY_COUNT is 0: every request "
                "then seems to come from the proxy's address, so rate limits and admin "
                "sign-in lockouts would treat all visitors as one.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the app "
                "servers that add to X-Forwarded-For (usually 1: the load balancer).",
                id="undersigned.W002",
            )
        ]
    return []


@register(deploy=True)
def check_email(app_configs, **kwargs) -> list[CheckMessage]:
    if settings.EMAIL_BACKEND in EMAIL_BACKENDS_THAT_SEND_NOTHING:
        return [
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: no email leaves this machine "
                "(updates to signers, contact-form replies, admin password resets).",
                hint="Remove EMAIL_BACKEND from the environment and set EMAIL_HOST, EMAIL_PORT, "
                "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS=true and "
                "DEFAULT_FROM_EMAIL for your mail server.",
                id="undersigned.W003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_ip_hash_key(app_configs, **kwargs) -> list[CheckMessage]:
    if not settings.UNDERSIGNED_IP_HASH_KEY:
        return [
            Warning(
                "IP_HASH_KEY is not set, so client addresses are hashed with SECRET_KEY: "
                "rotating SECRET_KEY would then stop new signatures matching earlier ones "
                "from the same address, which abuse checks rely on.",
                hint=f"Set IP_HASH_KEY to a random value of its own, made with: {KEY_COMMAND}",
                id="undersigned.W004",
            )
        ]
    return []


@dataclass(frozen=True)
class SharedFileStore:
    """A file store every app server must see: what it holds, how to get it, how to share it."""

    what: str
    storage: Callable[[], Storage]
    hint: str


# The stores :func:`check_shared_files` looks at. Apps above ``site`` add theirs with
# :func:`shared_file_store_register` from their ``AppConfig.ready``.
SHARED_FILE_STORES: list[SharedFileStore] = [
    SharedFileStore(
        what="MEDIA_ROOT (uploaded images and documents)",
        storage=lambda: storages["default"],
        hint="Set MEDIA_ROOT to a folder on storage every app server and worker share (NFS or "
        'similar, mounted at the same path on each), or point STORAGES["default"] at '
        "shared object storage.",
    ),
]


def shared_file_store_register(*, what: str, storage: Callable[[], Storage], hint: str) -> None:
    """Have the deployment check warn when ``storage`` is on one machine's own disk."""
    store = SharedFileStore(what=what, storage=storage, hint=hint)
    if store not in SHARED_FILE_STORES:
        SHARED_FILE_STORES.append(store)


def _local_file_stores() -> list[tuple[str, Path, str, str]]:
    """(what, folder, filesystem, hint) for each file store on this machine's own disk."""
    stores = [(store.what, store.storage(), store.hint) for store in SHARED_FILE_STORES]
    found = []
    for what, storage, hint in stores:
        if not isinstance(storage, FileSystemStorage):
            continue
        folder = Path(storage.location)
        kind = filesystem_type(folder)
        if kind in LOCAL_FILESYSTEMS:
            found.append((what, folder, kind, hint))
    return found


@register(deploy=True)
def check_shared_files(app_configs, **kwargs) -> list[CheckMessage]:
    if app_servers() <= 1:
        return []
    return [
        Warning(
            f"APP_SERVERS={app_servers()} but {what} is {folder}, on this machine's own disk "
            f"({kind}): files saved by one machine would be missing on the others (a hand-in "
            "pack is built by the worker and downloaded through any app server).",
            hint=hint,
            id="undersigned.W005",
        )
        for what, folder, kind, hint in _local_file_stores()
    ]


@register(Tags.database, deploy=True)
def check_task_worker(app_configs, databases=None, **kwargs) -> list[CheckMessage]:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend in TASK_BACKENDS_WITHOUT_WORKER:
        return [
            Warning(
                f"The task queue is {backend}: hand-in packs and update emails would be built "
                "inside web requests, or never.",
                hint='Use TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}} '
                "(the default) and run `undersigned db_worker`.",
                id="undersigned.W006",
            )
        ]
    if backend != "django_tasks_db.DatabaseBackend" or not databases:
        return []
    # Imported here: django_tasks_db's models are installed only with its backend.
    from django_tasks_db.models import DBTaskResult, get_date_max

    cutoff = timezone.now() - TASK_WAIT_LIMIT
    # Due since it was enqueued (no run_after: stored as the largest date), or since run_after.
    overdue = Q(run_after__lt=cutoff) | Q(run_after=get_date_max(), enqueued_at__lt=cutoff)
    try:
        waiting = DBTaskResult.objects.ready().filter(overdue).count()
    except DatabaseError as error:
        return [
            Error(
                f"Cannot read the task queue from the database: {error}",
                hint="Check DATABASE_URL, that the database is reachable from here, and that "
                "`undersigned migrate` has run for this release.",
                id="undersigned.E006",
            )
        ]
    if waiting:
        return [
            Warning(
                f"{waiting} background task(s) have waited more than "
                f"{int(TASK_WAIT_LIMIT.total_seconds() // 60)} minutes: no task worker seems to "
                "be running (hand-in packs, update emails and search indexing wait for one).",
                hint="Run `undersigned db_worker` beside the app servers (one or more, each with "
                "the same environment), or `undersigned serve` without --no-worker on one "
                "machine.",
                id="undersigned.W007",
            )
        ]
    return []
