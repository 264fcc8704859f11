import pytest
from django.db import DatabaseError, connection, transaction

from shebao.kernel.audit import audit_record, audit_verify_database
from shebao.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=False)


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor


def _write(n):
    for i in range(n):
        with transaction.atomic():
            audit_record(
                action="test.write", object_type="thing", object_id=i, before={"v": i}, after={"v": i + 1}
            )


def test_audit_chain_verifies(audit_ctx):
    _write(5)
    count, broken = audit_verify_database()
    assert (count, broken) == (5, None)
    first = AuditEntry.objects.get(seq=1)
    assert first.request_id == "test-request-0001"
    assert first.actor_label == "pytest"


@pytest.mark.django_db(transaction=True)
def test_audit_record_requires_transaction():
    with pytest.raises(RuntimeError):
        audit_record(action="x")


def test_audit_scrubs_id_numbers(audit_ctx):
    with transaction.atomic():
        row = audit_record(action="t", after={"id": "11010519491231002X", "note": "id 11010519491231002X"})
    assert "11010519491231002X" not in row.after
    assert "110105********002X" in row.after


def test_audit_table_refuses_update_and_delete(audit_ctx):
    _write(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()


def test_audit_batch_writes_a_verifiable_chain_with_few_statements(audit_ctx):
    from django.test.utils import CaptureQueriesContext

    from shebao.kernel.audit import audit_batch

    _write(2)
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), audit_batch(chunk=50):
        for i in range(120):
            audit_record(action="bulk.row", object_id=i, after={"i": i})
    assert len(queries.captured_queries) <= 10  # lock head, 3 multi-row INSERTs, head update, savepoints
    _write(1)
    assert audit_verify_database() == (123, None)
    assert AuditEntry.objects.filter(action="bulk.row").count() == 120


def test_audit_batch_writes_nothing_when_the_block_fails_or_rolls_back(audit_ctx):
    from shebao.kernel.audit import audit_batch

    with pytest.raises(ValueError), transaction.atomic(), audit_batch():
        audit_record(action="bulk.row", object_id=1)
        raise ValueError("row 2 is bad")
    with transaction.atomic(), audit_batch():
        audit_record(action="bulk.row", object_id=1)
        transaction.set_rollback(True)
    assert not AuditEntry.objects.filter(action="bulk.row").exists()
    _write(1)
    assert audit_verify_database() == (1, None)
