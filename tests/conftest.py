import pytest


@pytest.fixture
def audit_ctx():
    """Run the test body as a named actor (audit entries get a request id)."""
    from shebao.kernel.audit import audit_context

    with audit_context(request_id="test-request-0001", actor_label="pytest") as ctx:
        yield ctx


@pytest.fixture
def english_catalogue(settings, tmp_path):
    """The committed English .po compiled into a temporary .mo and made the project's
    only catalogue for this test: a fresh clone has no compiled .mo (it is built by
    ``make run``), and a page test must check the .po in the tree, not a stale build."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "i18n_check.py"
    module = sys.modules.get("i18n_check")
    if module is None:
        spec = importlib.util.spec_from_file_location("i18n_check", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    module.write_mo(module.read_po(), tmp_path / "en" / "LC_MESSAGES" / "django.mo")
    settings.LOCALE_PATHS = [tmp_path]  # setting_changed resets Django's translation caches
    return tmp_path
