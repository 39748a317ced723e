"""Existing petitions move to the one lifecycle: those left in the old "draft" state open."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import PetitionPageFactory
from undersigned.petitions.models import PetitionPage, PetitionState

BEFORE = [("petitions", "0006_petitionpage_image")]


def migrate(targets=None) -> None:
    """Migrate to ``targets``, or to the latest migrations of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


# Migrating needs the schema editor outside a transaction; serialized_rollback puts the
# migrated rows back for the transactional tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_petitions_left_in_draft_open_when_published_and_opened_means_published(home):
    published = PetitionPageFactory(slug="published-draft")
    unpublished = PetitionPageFactory(slug="unpublished-draft", live=False)
    never_published_open = PetitionPageFactory(slug="never-published", live=False)
    migrate(BEFORE)
    # As the old default left them: "draft" beside Wagtail's status; "opened" stamped on save.
    PetitionPage.objects.filter(pk__in=[published.pk, unpublished.pk]).update(
        state="draft", opened_at=None
    )
    PetitionPage.objects.filter(pk=never_published_open.pk).update(opened_at=timezone.now())

    migrate()

    published.refresh_from_db()
    assert published.state == PetitionState.OPEN
    assert published.opened_at is not None
    assert published.is_accepting_signatures()
    unpublished.refresh_from_db()
    assert unpublished.state == PetitionState.OPEN
    assert unpublished.opened_at is None
    never_published_open.refresh_from_db()
    assert never_published_open.opened_at is None
