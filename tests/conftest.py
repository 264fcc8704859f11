import pytest


@pytest.fixture
def audit_ctx():
    """Run the test body as a named actor (audit entries get a request id)."""
    from shebao.kernel.audit import audit_context

    with audit_context(request_id="test-request-0001", actor_label="pytest") as ctx:
        yield ctx
