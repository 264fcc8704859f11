"""Real-browser harness: Debian's Chromium driven by Playwright against a live server.

- ``live_server`` (pytest-django) serves the app from a thread on a free port, against
  the test database of this pass (SQLite or PostgreSQL); tests using it are
  transactional, so data made in the test is visible to the server thread.
- ``browser_context`` launches ``/usr/bin/chromium`` headless with a fresh user-data
  directory per test (``make browser-deps`` installs it; never ``playwright install``);
  ``page`` is a tab in it, with the live server as base URL.
- ``browser_login(page, user, password=..., totp_secret=...)`` logs in through the real
  login form and, for staff, the real second-factor form with the current TOTP code.
- ``shot(name)`` saves a full-page screenshot to ``var/screenshots/<name>.png``, or to
  ``$SHEBAO_SCREENSHOTS_DIR`` (``make screenshots`` refreshes ``docs/screenshots/``), so an
  ordinary test run leaves the committed pictures alone.

Every test here is marked ``browser`` (``-m "not browser"`` skips them).
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

from tests.appointments.conftest import day, hall  # noqa: F401 - fixtures re-exported
from tests.certificates.conftest import assess, hire, insured, params  # noqa: F401 - fixtures re-exported
from tests.pages.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    divisions,
    employer,
    register_person,
    system,
    zhang,
    zhang_id,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(
    os.environ.get("SHEBAO_SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)
PASSWORD = "Browser-test-42"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _audit_table_flushable(transactional_db):
    """Live-server tests are transactional: the database is flushed after each. On
    PostgreSQL the audit table's TRUNCATE guard lets the suite's flush through (test
    settings); SQLite has only DELETE, which its append-only trigger refuses, so the
    entries this test wrote are removed here with the trigger lifted for that statement
    alone (the same trigger as kernel migration 0002 is put back at once)."""
    yield
    empty_audit_table_on_sqlite()


def empty_audit_table_on_sqlite() -> None:
    """Delete the audit entries with the append-only DELETE trigger lifted for that one
    statement (SQLite only; the trigger is the one kernel migration 0002 creates)."""
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        return
    guard = importlib.import_module("shebao.kernel.migrations.0002_audit_append_only")
    delete_trigger = next(sql for sql in guard.SQLITE_FORWARD if "no_delete" in sql)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS kernel_auditentry_no_delete")
        cursor.execute("DELETE FROM kernel_auditentry")
        cursor.execute(delete_trigger)


@pytest.fixture
def public_base_url(live_server, settings):
    """Absolute links (the certificate's QR code) point at the live server."""
    settings.SHEBAO_PUBLIC_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def browser_context(live_server, tmp_path, public_base_url, monkeypatch):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (as root) first", pytrace=False)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is started;
    # Django refuses ORM calls from such a thread unless told they are really synchronous
    # (they are). Started and stopped per test, so no other test runs under this setting.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            # ORM calls made while the driver's loop runs get their own (context-local)
            # connections; close them here, or PostgreSQL refuses to drop the test
            # database at the end ("being accessed by other users").
            from django.db import connections

            connections.close_all()


@pytest.fixture
def page(browser_context) -> Page:
    tab = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    return tab


@pytest.fixture
def shot(page):
    """``shot("certificate-issued")`` → <SCREENSHOTS>/certificate-issued.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str, target: Page | None = None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return _shot


def browser_login(page: Page, user, *, password: str = PASSWORD, totp_secret: str | None = None) -> None:
    """Log ``user`` in through the login page (and the 动态口令 page for staff)."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():  # a form post: wait for the next page
        page.locator("form button[type=submit]").first.click()
    if "/accounts/otp/" in page.url:
        if not totp_secret:
            raise AssertionError(f"{user.username} needs a second factor: pass totp_secret")
        from shebao.accounts.rules import totp as totp_rules

        page.fill("input[name=code]", totp_rules.code_at(totp_secret, timestamp=time.time()))
        with page.expect_navigation():  # a form post: wait for the next page
            page.locator("form button[type=submit]").first.click()
    if "/accounts/login/" in page.url or "/accounts/otp/" in page.url:
        raise AssertionError(f"login of {user.username} did not finish: still at {page.url}")


@pytest.fixture
def browser_user(db):
    """``browser_user(kind=..., posts=..., **fields)``: a user with ``PASSWORD`` (staff get an
    enrolled authenticator; its secret is ``user.totp_secret``)."""
    import itertools

    from shebao.accounts.models import StaffPost, User
    from shebao.accounts.rules import totp as totp_rules
    from shebao.accounts.rules.permissions import UserKind

    counter = itertools.count(1)

    def _make(*, kind, posts=(), **fields):
        if kind == UserKind.STAFF:
            fields.setdefault("totp_secret", totp_rules.new_secret())
            fields.setdefault("totp_confirmed", True)
        user = User.objects.create_user(
            username=f"b{kind}{next(counter)}", password=PASSWORD, kind=kind, **fields
        )
        for post, region in posts:
            StaffPost.objects.create(user=user, post=post, region_code=region)
        return user

    return _make
