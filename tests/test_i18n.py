"""The English catalogue: complete, well formed, and what English-speaking users get.

The pages are compiled from the committed .po into a temporary .mo (LOCALE_PATHS is pointed
at it), so these tests check the .po in the tree, not whatever .mo was last built.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from shebao.accounts.models import User
from shebao.accounts.rules.permissions import UserKind

ROOT = Path(__file__).resolve().parent.parent


def _load_checker():
    spec = importlib.util.spec_from_file_location("i18n_check", ROOT / "scripts" / "i18n_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


i18n_check = _load_checker()

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# Source string -> the English every user of that string must see.
KEY_STRINGS = {
    "社保服务平台": "Social Insurance Services",
    "欢迎使用社保服务平台": "Welcome to Social Insurance Services",
    "登录": "Log in",
    "退出": "Log out",
    "我的社保": "My social insurance",
    "参保缴费": "Contributing",
    "暂停缴费": "Contributions suspended",
    "增员": "Hire",
    "减员": "Separation",
    "统一社会信用代码": "Unified social credit code",
    "窗口受理": "Front desk",
    "基金财务": "Fund accountant",
    "（本次查看已留痕）": "(this view is recorded in the audit trail)",
    "增员已完成：%(name)s": "Hire completed: %(name)s",
}


@pytest.fixture(scope="module")
def catalogue():
    return i18n_check.read_po()


@pytest.fixture
def english(settings, tmp_path, catalogue):
    """Compile the committed .po and make it the only project catalogue for this test."""
    i18n_check.write_mo(catalogue, tmp_path / "en" / "LC_MESSAGES" / "django.mo")
    settings.LOCALE_PATHS = [tmp_path]  # setting_changed resets Django's translation caches
    return tmp_path


# --- the catalogue file ---------------------------------------------------------------


def test_catalogue_has_no_untranslated_fuzzy_or_broken_entries(catalogue):
    problems = i18n_check.catalogue_problems(catalogue)
    assert problems == {}, "fix these .po entries (see scripts/i18n_check.py):\n" + "\n".join(
        f"{msgid!r}: {p}" for msgid, p in problems.items()
    )


def test_catalogue_header_declares_english_with_two_plural_forms(catalogue):
    header = next(e for e in catalogue if e.msgid == "")
    assert not header.fuzzy
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_every_string_marked_in_the_source_is_in_the_catalogue():
    report = i18n_check.check()
    assert report.missing == [], (
        "new source strings lack an English translation; run "
        "`.venv/bin/python scripts/i18n_check.py --update` and translate them:\n" + "\n".join(report.missing)
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext not installed")
def test_msgfmt_accepts_the_catalogue():
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "-o", "/dev/null", str(i18n_check.PO_PATH)],  # noqa: S607
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_checker_catches_fuzzy_empty_broken_placeholder_and_chinese_entries():
    po = (
        'msgid ""\nmsgstr "Language: en\\n"\n\n'
        '#, fuzzy\nmsgid "登录"\nmsgstr "Log in"\n\n'
        'msgid "退出"\nmsgstr ""\n\n'
        '#, python-format\nmsgid "增员已完成：%(name)s"\nmsgstr "Hire completed: %(nom)s"\n\n'
        'msgid "首页"\nmsgstr "Home（主页）"\n\n'
        '#, python-format\nmsgid "共 %(n)s 个用户"\nmsgid_plural "共 %(n)s 个用户"\n'
        'msgstr[0] "%(n)s user"\nmsgstr[1] ""\n\n'
        'msgid "岗位"\nmsgstr "Post"\n\n'
        '#~ msgid "旧"\n#~ msgstr ""\n'
    )
    problems = i18n_check.catalogue_problems(i18n_check.parse_po(po))
    assert set(problems) == {"登录", "退出", "增员已完成：%(name)s", "首页", "共 %(n)s 个用户"}
    assert problems["登录"] == ["fuzzy"]
    assert problems["退出"] == ["untranslated"]
    assert problems["增员已完成：%(name)s"][0].startswith("placeholders differ")
    assert problems["首页"][0].startswith("chinese left")
    assert problems["共 %(n)s 个用户"] == ["untranslated"]


# --- the compiled catalogue -------------------------------------------------------------


@pytest.mark.parametrize(("source", "english_text"), KEY_STRINGS.items())
def test_key_strings_translate_to_english(english, source, english_text):
    with translation.override("en"):
        assert translation.gettext(source) == english_text
    with translation.override("zh-hans"):
        assert translation.gettext(source) == source


def test_plural_forms_follow_the_count(english):
    with translation.override("en"):
        one = translation.ngettext("共 %(n)s 个用户", "共 %(n)s 个用户", 1) % {"n": 1}
        many = translation.ngettext("共 %(n)s 个用户", "共 %(n)s 个用户", 3) % {"n": 3}
    assert (one, many) == ("1 user", "3 users")


# --- pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_is_chinese_by_default(english, client):
    body = client.get(reverse("web:home")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "欢迎使用社保服务平台" in body
    assert "Welcome to Social Insurance Services" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9"])
def test_home_page_is_english_for_an_english_browser(english, client, accept):
    body = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert '<html lang="en">' in body
    assert "<title>Social Insurance Services · Shebao</title>" in body
    assert "<h1>Welcome to Social Insurance Services</h1>" in body
    assert "欢迎使用" not in body


@pytest.mark.django_db
def test_chinese_browser_gets_chinese(english, client):
    body = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert "<h1>欢迎使用社保服务平台</h1>" in body.content.decode()


@pytest.mark.django_db
def test_login_page_in_both_languages(english, client):
    url = reverse("accounts:login")
    chinese = client.get(url).content.decode()
    assert "<h1>登录</h1>" in chinese
    assert "登录名或证件号码" in chinese

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english_body = client.get(url).content.decode()
    assert "<h1>Log in</h1>" in english_body
    assert "Login name or ID number" in english_body  # a form label (gettext_lazy in Python)
    assert "登录名" not in english_body


@pytest.mark.django_db
def test_language_switch_sets_the_cookie_and_later_pages_follow_it(english, client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "<h1>Welcome to Social Insurance Services</h1>" in client.get("/").content.decode()

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "<h1>欢迎使用社保服务平台</h1>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_signed_in_citizen_sees_english_menu(english, client):
    client.force_login(User.objects.create_user("i18n-citizen", kind=UserKind.CITIZEN))
    body = client.get(reverse("web:home"), **EN).content.decode()
    assert "My social insurance" in body
    assert "Enrolment status, employer, who viewed my information" in body
    assert "Log out" in body
    assert "我的社保" not in body


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_checker_reports_a_new_template_string_as_missing(tmp_path):
    shutil.copy2(ROOT / "manage.py", tmp_path / "manage.py")
    shutil.copytree(ROOT / "shebao", tmp_path / "shebao", ignore=shutil.ignore_patterns("__pycache__"))
    page = tmp_path / "shebao" / "templates" / "i18n_probe.html"
    page.write_text('{% load i18n %}<p>{% translate "这是一条新的界面文字" %}</p>\n', encoding="utf-8")
    report = i18n_check.check(root=tmp_path, po_path=i18n_check.PO_PATH)
    assert report.missing == ["这是一条新的界面文字"]
    assert not report.ok
