"""The harness itself: Chromium renders the portal in Chinese with a CJK font, and the
login helper passes the real login and second-factor forms."""

from shebao.accounts.rules.permissions import Post, UserKind
from tests.browser.conftest import browser_login


def test_home_page_renders_in_chinese(page, shot):
    page.goto("/")
    assert "社保服务平台" in page.title()
    # A CJK glyph really has width (a missing font would render tofu of the same width as
    # ASCII, or nothing); 社 in a CJK font is about as wide as it is tall.
    width = page.evaluate(
        "() => { const s = document.createElement('span'); s.style.fontSize = '40px';"
        " s.textContent = '社'; document.body.appendChild(s); return s.getBoundingClientRect().width; }"
    )
    assert width > 30


def test_staff_login_with_second_factor(page, browser_user, divisions):
    staff = browser_user(kind=UserKind.STAFF, posts=((Post.FRONT_DESK, "110105"),), full_name="赵窗口")
    browser_login(page, staff, totp_secret=staff.totp_secret)
    assert "赵窗口" in page.content()
