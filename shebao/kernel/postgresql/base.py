"""Django's PostgreSQL backend with one change: with server-side binding (ADR 0012) a
statement carries at most 65,535 parameters (the protocol's 16-bit count), so
``bulk_create`` batches are cut to fit. Client-side binding keeps Django's behaviour.

Large ``__in`` lists are not split by Django on PostgreSQL: code that filters on more
than a few thousand values joins a table or uses ``= ANY`` on an array parameter instead.
"""

from __future__ import annotations

from django.db.backends.postgresql import base, operations

MAX_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        size = super().bulk_batch_size(fields, objs)
        if self.connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") and fields:
            return max(1, min(size, MAX_PARAMETERS // len(fields)))
        return size


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
