"""``/api/v1/me/hall/``: the service hall for citizens and community agents (委托代办:
an agent passes ``person_id`` when starting and files under a valid mandate)."""

from shebao.accounts.rules.permissions import UserKind
from shebao.hall.api_applicant import build_router

router = build_router(kinds=(UserKind.CITIZEN, UserKind.AGENT), audiences=("person", "agent"), tag="citizen")
