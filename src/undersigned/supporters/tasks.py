"""Background tasks for updates to signers: fan out to batches, then email each batch."""

from __future__ import annotations

from django_tasks import task

from undersigned.supporters import services
from undersigned.supporters.models import PetitionUpdate


@task()
def supporters_email_update(*, update_id: int) -> int:
    """Queue the batches of an update that are still to go (also used to resume sending)."""
    update = PetitionUpdate.objects.filter(pk=update_id).first()
    return services.update_deliveries_schedule(update=update) if update else 0


@task()
def supporter_email_update(*, update_id: int, delivery_ids: list[int]) -> int:
    """Email one batch of supporters, each at most once."""
    update = PetitionUpdate.objects.filter(pk=update_id).first()
    return (
        services.update_deliveries_send(update=update, delivery_ids=delivery_ids) if update else 0
    )
