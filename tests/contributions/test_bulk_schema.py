"""The bulk tables' schema on PostgreSQL as the migrations leave it (ADR 0009 §6): the
contribution-line table has no primary-key index, and the identity sequences of lines
and bill parts cache 1,000 values per connection."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL schema only"),
]


def test_line_table_has_only_the_period_person_indexes():
    """No primary-key index; the (period, person_id) index, and the same columns over the
    lines that are not the assessment's own (ADR 0009 §6, §8)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contributions_contributionline'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"line_period_person", "line_other_kinds"}
    assert indexes["line_other_kinds"].endswith("WHERE (NOT ((kind)::text = 'normal'::text))")


@pytest.mark.parametrize("table", ["contributions_contributionline", "contributions_billpart"])
def test_bulk_sequences_cache_a_thousand_ids(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.seqcache FROM pg_sequence s WHERE s.seqrelid = pg_get_serial_sequence(%s, 'id')::regclass",
            [table],
        )
        assert cursor.fetchone()[0] == 1000
