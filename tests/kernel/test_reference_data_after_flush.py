"""A flush (``manage.py flush`` or the end of every transactional test) empties every
table and sends ``post_migrate``; the kernel refills the reference tables the data
migrations loaded, so the next user of the database still has divisions and the
working-day calendar (a CI run once failed on a calendar test that ran after a
transactional test on the same worker).
"""

import datetime as dt

import pytest
from django.core.management import call_command

from shebao.kernel.calendar import is_workday
from shebao.kernel.models import CalendarDay, Division


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_the_divisions_and_the_calendar_in_place():
    call_command("flush", interactive=False, verbosity=0)
    assert CalendarDay.objects.filter(day=dt.date(2025, 10, 9)).exists()
    assert is_workday(dt.date(2025, 10, 8)) is False  # National Day holiday
    assert is_workday(dt.date(2025, 9, 28)) is True  # make-up working Sunday
    assert Division.objects.filter(code="110105").exists()

