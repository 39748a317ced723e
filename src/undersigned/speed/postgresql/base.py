"""Django's PostgreSQL backend, whose check of a kept connection needs no round trip.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of each request
on a connection kept from an earlier one: on a small machine under a signing spike, that
round trip took a quarter of a signature's time. A connection waiting between requests has
nothing to read, unless the server hung up on it: a restart or a terminated backend sends
its reason and closes the socket. So a look at the socket, without waiting, finds those.
(Something else to read, say a server notice, costs only a new connection.) A server that
vanished without a word is found by the request's own query, as it would be by ``SELECT 1``
a moment before: the request gets a clear 503 (``site.outages``) and Django closes the
connection after it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is None
            or not self.health_check_enabled
            or self.health_check_done
            or self.pool
        ):
            return
        if self.server_hung_up():
            self.close()
        self.health_check_done = True

    def server_hung_up(self) -> bool:
        """Whether the idle connection has been closed or told something by the server."""
        if self.connection.closed or self.connection.broken:
            return True
        poll = select.poll()
        poll.register(self.connection.fileno(), select.POLLIN)
        return bool(poll.poll(0))
