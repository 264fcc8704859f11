import pytest


@pytest.fixture
def audit_ctx():
    """Run the test body as a named actor (audit entries get a request id)."""
    from shebao.kernel.audit import audit_context

    with audit_context(request_id="test-request-0001", actor_label="pytest") as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def _restore_reference_data(request):
    """Transactional tests end with a flush that also empties the reference tables
    loaded by data migrations (divisions, calendar); put them back for later tests."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        from shebao.kernel.calendar import calendar_load
        from shebao.kernel.divisions import divisions_cache_clear, divisions_load

        divisions_load()
        calendar_load()
        divisions_cache_clear()
