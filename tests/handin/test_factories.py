"""The hand-in factory builds a valid pack waiting to be built."""

from __future__ import annotations

from tests.factories import HandinPackFactory
from undersigned.handin.models import HandinPackState


def test_the_pack_factory_builds_a_queued_pack_for_an_open_petition(home):
    pack = HandinPackFactory()
    pack.full_clean()
    assert pack.state == HandinPackState.QUEUED
    assert pack.in_progress
    assert pack.progress_percent == 0
    assert pack.petition.live
