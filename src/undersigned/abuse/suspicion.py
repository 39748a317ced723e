"""What makes a signature suspect: the reasons recorded on it, and the database's rate check.

Part of the signing guard, below ``petitions``: the petitions app stores these on its
signatures and hands the check to its insert; the guard decides them.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuspectReason(models.TextChoices):
    NONE = "", _("Not suspect")
    PETITION_RATE_LIMIT = "petition_rate", _("Over the limit for one connection on this petition")
    OVERALL_RATE_LIMIT = "overall_rate", _("Over the limit for one connection on the site")
    HONEYPOT = "honeypot", _("Filled in the field people never see")


class RateLimitCheck(NamedTuple):
    """Rate limits the statement applies itself, from the signatures already stored.

    Signatures from ``ip_hash`` created at or after ``since`` are counted (at most a limit's
    worth, through the index on connection and time): the new one is suspect if there are
    already ``overall`` of them on the whole site, or ``per_petition`` on this petition. A
    limit of 0 is off. The overall limit is checked first, which also bounds the cost of the
    per-petition count.
    """

    ip_hash: str
    since: datetime.datetime
    per_petition: int
    overall: int

    def applies(self) -> bool:
        return bool(self.ip_hash) and bool(self.per_petition or self.overall)
