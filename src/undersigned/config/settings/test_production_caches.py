"""The test settings with the caches production runs: page, route and count caches on, for as
long as production keeps them (``base``'s values, which ``test`` turns off).

CI runs the public and sign tests with these (``.ci/run``), so that the configuration the
site is served with is the one they prove, and not only the uncached one the rest of the
suite uses to keep each test's reads independent of the one before.
"""

from . import base
from .test import *  # noqa: F403

UNDERSIGNED_COUNT_CACHE_SECONDS = base.UNDERSIGNED_COUNT_CACHE_SECONDS
UNDERSIGNED_PAGE_CACHE_SECONDS = base.UNDERSIGNED_PAGE_CACHE_SECONDS
UNDERSIGNED_ROUTE_CACHE_SECONDS = base.UNDERSIGNED_ROUTE_CACHE_SECONDS
UNDERSIGNED_BREAKDOWN_CACHE_SECONDS = base.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS
