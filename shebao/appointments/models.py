"""网上预约: halls (办事大厅), the services each offers at its counters, time slots with
capacity, bookings and the per-hall, per-day queue-number counter.

Capacity is enforced by the database: ``Slot.booked`` only ever changes through a
conditional ``UPDATE … SET booked = booked + 1 WHERE booked < capacity`` (services), and a
check constraint keeps ``0 <= booked <= capacity`` as a second line. A partial unique
index allows one active booking per person, item and day; queue numbers are unique per
hall and day. Persons are referenced by id (the register owns them).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class Hall(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    region_code = models.CharField(max_length=6, db_index=True)
    address = models.CharField(max_length=200)
    opening_hours = models.CharField(max_length=100)  # shown to citizens, e.g. 工作日 9:00-12:00 13:30-17:00
    morning_start = models.TimeField()
    morning_end = models.TimeField()
    afternoon_start = models.TimeField(null=True, blank=True)
    afternoon_end = models.TimeField(null=True, blank=True)
    queue_prefix = models.CharField(max_length=2, default="A")
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class HallService(models.Model):
    """An item (事项 code) a hall serves at its counters, with how slots are cut for it."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="services")
    item_code = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    counters = models.CharField(max_length=60, blank=True, default="")  # 1-3号窗口
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    capacity = models.PositiveSmallIntegerField(default=4)  # bookings per slot
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hall", "item_code"], name="appt_service_unique")]

    def __str__(self) -> str:
        return f"{self.hall.name} · {self.name}"


class Slot(models.Model):
    service = models.ForeignKey(HallService, on_delete=models.PROTECT, related_name="slots")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="slots")
    day = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "starts_at"], name="appt_slot_unique"),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")), name="appt_slot_within_capacity"
            ),
        ]
        indexes = [models.Index(fields=["hall", "day"], name="appt_slot_hall_day")]

    def __str__(self) -> str:
        return f"{self.service_id}@{self.starts_at:%Y-%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CANCELLED = "cancelled", "已取消"
    CHECKED_IN = "checked_in", "已取号"


ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


class Booking(models.Model):
    reference = models.CharField(max_length=12, unique=True)  # 预约号, typed at a kiosk
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="bookings")
    item_code = models.CharField(max_length=40)
    day = models.DateField()
    person_id = models.BigIntegerField()
    person_name = models.CharField(max_length=100)
    booked_by = models.CharField(max_length=150)
    booked_by_id = models.BigIntegerField(null=True)
    on_behalf = models.BooleanField(default=False)  # an agent booked for the person
    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    queue_number = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_id", "item_code", "day"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appt_one_active_per_person_item_day",
            ),
            models.UniqueConstraint(
                fields=["hall", "day", "queue_number"],
                condition=~Q(queue_number=""),
                name="appt_queue_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["person_id", "day"], name="appt_booking_person"),
            models.Index(fields=["hall", "day"], name="appt_booking_hall_day"),
        ]

    def __str__(self) -> str:
        return self.reference


class QueueCounter(models.Model):
    """The last queue number handed out in a hall on a day (A001, A002 …)."""

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hall", "day"], name="appt_queue_counter_unique")]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.day}: {self.last}"
