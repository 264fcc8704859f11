"""Re-encrypt every encrypted column under the active data key (key rotation).

Runbook (docs/runbooks/key-rotation.md): put the new key first in SHEBAO_DATA_KEYS,
keep the old ones after it, restart, run this command (resumable: rows already
under the active key are skipped), then remove the old key.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from shebao.kernel.crypto import EncryptedTextField, keyring


class Command(BaseCommand):
    help = "Re-encrypt personal data under the active key id (resumable, chunked)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000)

    def handle(self, *args, **options):
        ring = keyring()
        prefix = f"{ring.active_kid}$"
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                col = connection.ops.quote_name(field.column)
                done = 0
                last = None
                while True:
                    with transaction.atomic(), connection.cursor() as cursor:
                        where = f"{col} <> '' AND {col} IS NOT NULL AND {col} NOT LIKE %s"
                        params: list = [prefix + "%"]
                        if last is not None:
                            where += f" AND {pk} > %s"
                            params.append(last)
                        cursor.execute(
                            f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s",  # noqa: S608 - identifiers quoted
                            [*params, options["chunk"]],
                        )
                        rows = cursor.fetchall()
                        if not rows:
                            break
                        updates = [
                            (ring.encrypt(ring.decrypt(value, aad=field.aad), aad=field.aad), key)
                            for key, value in rows
                        ]
                        cursor.executemany(f"UPDATE {table} SET {col} = %s WHERE {pk} = %s", updates)  # noqa: S608
                        done += len(rows)
                        last = rows[-1][0]
                if done:
                    self.stdout.write(f"{model._meta.label}.{field.name}: re-encrypted {done}")
                total += done
        self.stdout.write(
            self.style.SUCCESS(f"rotation complete: {total} values now under key {ring.active_kid!r}")
        )
