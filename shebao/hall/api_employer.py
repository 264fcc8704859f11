"""``/api/v1/employer/hall/``: the service hall for employers' operators."""

from shebao.accounts.rules.permissions import UserKind
from shebao.hall.api_applicant import build_router

router = build_router(kinds=(UserKind.EMPLOYER,), audiences=("employer",), tag="employer")
