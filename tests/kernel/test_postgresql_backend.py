"""The project's PostgreSQL backend (shebao.kernel.postgresql): Django's, with the batches
Django derives from ``bulk_batch_size`` (bulk inserts, and the id lists a cascading
``delete()`` collects) cut to the 65,535 parameters a statement may carry under
server-side binding (ADR 0012). Runs on SQLite too, where Django sizes them itself."""

import datetime as dt

import pytest
from django.utils import timezone

from shebao.contributions.models import Bill


@pytest.mark.slow
@pytest.mark.django_db
def test_deleting_more_rows_than_one_statement_may_name():
    """Bill has protected reverse relations, so ``delete()`` collects the 70,000 ids first
    and looks for allocations and late fees in batches of them."""
    now = timezone.now()
    Bill.objects.bulk_create(
        Bill(
            period=190001, payer_type="person", payer_id=i, kind="normal", region_code="110105",
            employer_fen=0, individual_fen=100, total_fen=100, lines=1, due_date=dt.date(1900, 2, 15),
            run_id=0, updated_at=now,
        )
        for i in range(1, 70_001)
    )  # fmt: skip
    deleted, _ = Bill.objects.filter(period=190001).delete()
    assert deleted == 70_000


@pytest.mark.django_db
def test_statements_run_often_are_prepared_on_postgresql():
    """With server-side binding a connection prepares what it runs often (ADR 0012): the
    look-up's statements are parsed and planned once per connection, not per request."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    sql = "SELECT COUNT(*) FROM contributions_bill WHERE period = %s"
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(sql, [199001])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FROM contributions_bill WHERE period = $1" in text for text in prepared)
