"""Background tasks for the hand-in: building a pack takes minutes for a large petition."""

from __future__ import annotations

from django_tasks import task

from undersigned.handin import build
from undersigned.handin.models import HandinPack


@task()
def handin_pack_build_task(*, pack_id: int) -> None:
    pack = HandinPack.objects.select_related("petition").filter(pk=pack_id).first()
    if pack is not None:  # deleted before the worker got to it
        build.handin_pack_build(pack=pack)
