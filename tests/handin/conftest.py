"""Fixtures for the hand-in tests: private files in a temporary folder, a signed petition."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.factories import SignatureFactory, WardFactory
from undersigned.petitions.models import SignatureState


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.UNDERSIGNED_PRIVATE_ROOT = tmp_path / "private"
    return settings.UNDERSIGNED_PRIVATE_ROOT


@pytest.fixture(autouse=True)
def _lay_out_in_this_process(settings):
    """Starting a worker process takes seconds; one test covers the workers."""
    settings.UNDERSIGNED_HANDIN_PDF_PROCESSES = 0


@pytest.fixture
def signed_petition(petition):
    """Two counted signers and one more, a duplicate, an invalidated one; all gave emails."""
    northfield = WardFactory(code="E05900001", name="Northfield")
    riverside = WardFactory(code="E05900002", name="Riverside")
    start = timezone.now() - datetime.timedelta(days=3)
    signatures = [
        ("Grace Hopper", "grace@example.org", "12 Acacia Avenue\nNorthfield", northfield),
        ("Alan Turing", "alan@example.org", "3 Mill Lane", riverside),
        ("Mary Seacole", "mary@example.org", "", northfield),
    ]
    for minutes, (name, email, address, ward) in enumerate(signatures):
        SignatureFactory(
            petition=petition,
            name=name,
            email=email,
            address=address,
            ward_code=ward.code,
            created_at=start + datetime.timedelta(minutes=minutes),
        )
    SignatureFactory(
        petition=petition,
        name="Grace Hopper",
        email="grace.again@example.org",
        state=SignatureState.DUPLICATE,
        created_at=start + datetime.timedelta(minutes=10),
    )
    SignatureFactory(
        petition=petition,
        name="Ivy Invalid",
        email="ivy@example.org",
        state=SignatureState.INVALIDATED,
        created_at=start + datetime.timedelta(minutes=11),
    )
    return petition


def pdf_text(path: Path) -> str:
    """The text of a PDF in the order it is drawn (poppler's ``pdftotext -raw``)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode()


def file_path(field) -> Path:
    return Path(field.storage.path(field.name))


@pytest.fixture
def volunteer(db):
    """Can use the admin, but has no hand-in permission."""
    user = get_user_model().objects.create_user("volunteer", "v@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user
