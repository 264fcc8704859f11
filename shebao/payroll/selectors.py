"""Payroll reads (staff pages, APIs, other apps)."""

from __future__ import annotations

from django.db.models import QuerySet

from shebao.payroll.models import (
    Adjustment,
    BankBatch,
    Payee,
    PayeeChange,
    Payment,
    PayrollRun,
    Receivable,
    Recovery,
)


def payroll_runs(*, limit: int = 50) -> list[PayrollRun]:
    return list(PayrollRun.objects.order_by("-id")[:limit])


def payroll_run(*, run_id: int) -> PayrollRun | None:
    return PayrollRun.objects.filter(pk=run_id).first()


def bank_batches(*, run_id: int) -> list[BankBatch]:
    return list(BankBatch.objects.filter(run_id=run_id).order_by("bank_code"))


def bank_batch(*, batch_id: int) -> BankBatch | None:
    return BankBatch.objects.filter(pk=batch_id).first()


def payees(
    *, regions: list[str] | None = None, status: str = "", person_id: int | None = None, limit: int = 100
) -> list[Payee]:
    qs: QuerySet[Payee] = Payee.objects.all()
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if status:
        qs = qs.filter(status=status)
    if regions is not None and "" not in regions:
        from django.db.models import Q

        q = Q(pk__in=[])
        for scope in regions:
            q |= Q(region_code__startswith=scope.rstrip("0") or scope)
        qs = qs.filter(q)
    return list(qs.order_by("-id")[:limit])


def payee(*, payee_id: int) -> Payee | None:
    return Payee.objects.filter(pk=payee_id).first()


def payees_of_person(*, person_id: int) -> list[Payee]:
    """For the benefits app and the citizen's view: a person's payees."""
    return list(Payee.objects.filter(person_id=person_id).order_by("pk"))


def payee_history(*, payee_id: int) -> list[PayeeChange]:
    return list(PayeeChange.objects.filter(payee_id=payee_id).order_by("id"))


def payee_payments(*, payee: Payee, periods: list[int] | None = None) -> list[Payment]:
    if periods is None:
        periods = sorted(set(PayrollRun.objects.values_list("period", flat=True)))
    return list(
        Payment.objects.filter(period__in=periods, person_id=payee.person_id, payee_id=payee.pk).order_by(
            "-period", "id"
        )
    )


def adjustments(*, payee_id: int) -> list[Adjustment]:
    return list(Adjustment.objects.filter(payee_id=payee_id).order_by("id"))


def receivables(*, status: str = "", limit: int = 200) -> list[Receivable]:
    qs = Receivable.objects.all()
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-id")[:limit])


def receivable(*, receivable_id: int) -> Receivable | None:
    return Receivable.objects.filter(pk=receivable_id).first()


def recoveries(*, receivable_id: int) -> list[Recovery]:
    return list(Recovery.objects.filter(receivable_id=receivable_id).order_by("id"))


def payee_rows(
    *, benefit: str, status: str, regions: list[str] | None = None, person_id: int | None = None
) -> list[tuple[int, int, str, int, object]]:
    """(payee id, person id, region, from_period, created_at) of every payee of
    ``benefit`` in ``status`` (optionally within ``regions`` or of one person); for
    set-based sweeps in other apps (certification)."""
    from django.db.models import Q

    qs = Payee.objects.filter(benefit=benefit, status=status)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if regions is not None and "" not in regions:
        q = Q(pk__in=[])
        for scope in regions:
            q |= Q(region_code__startswith=scope.rstrip("0") or scope)
        qs = qs.filter(q)
    return list(qs.order_by("pk").values_list("pk", "person_id", "region_code", "from_period", "created_at"))


def payee_table() -> str:
    """The payee table's name, for other apps' set-based batches that read the payees of
    a period in SQL (the unemployment fund's medical contributions); read only."""
    return Payee._meta.db_table
