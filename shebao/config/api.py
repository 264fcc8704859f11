"""The HTTP API (django-ninja, OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs).

One router module per audience; each app contributes its routers here.
"""

from django.urls import include, path
from ninja import NinjaAPI
from ninja.openapi.urls import get_openapi_urls, get_root_url

from shebao.accounts.api import router as accounts_router
from shebao.accounts.api_agent import router as mandates_agent_router
from shebao.accounts.api_citizen import router as mandates_citizen_router
from shebao.accounts.api_staff import router as mandates_staff_router
from shebao.appointments.api_citizen import router as appointments_citizen_router
from shebao.appointments.api_staff import router as appointments_staff_router
from shebao.benefits.api_citizen import router as benefits_citizen_router
from shebao.benefits.api_public import router as benefits_public_router
from shebao.certificates.api_citizen import router as certificates_citizen_router
from shebao.certificates.api_public import router as certificates_public_router
from shebao.certificates.api_staff import router as certificates_staff_router
from shebao.complaints.api_citizen import router as complaints_citizen_router
from shebao.complaints.api_public import router as complaints_public_router
from shebao.complaints.api_staff import router as complaints_staff_router
from shebao.contributions.api_citizen import router as contributions_citizen_router
from shebao.contributions.api_employer import router as contributions_employer_router
from shebao.contributions.api_staff import router as contributions_staff_router
from shebao.exchange.api_staff import router as exchange_staff_router
from shebao.hall.api_citizen import router as hall_citizen_router
from shebao.hall.api_employer import router as hall_employer_router
from shebao.hall.api_staff import router as hall_staff_router
from shebao.medical.api_citizen import router as medical_citizen_router
from shebao.medical.api_staff import router as medical_staff_router
from shebao.payroll.api_staff import router as payroll_staff_router
from shebao.register.api_citizen import router as register_citizen_router
from shebao.register.api_employer import router as register_employer_router
from shebao.register.api_staff import router as register_staff_router
from shebao.transfers.api_citizen import router as transfers_citizen_router
from shebao.transfers.api_staff import router as transfers_staff_router
from shebao.unemployment.api_citizen import router as unemployment_citizen_router
from shebao.unemployment.api_staff import router as unemployment_staff_router


class ShebaoAPI(NinjaAPI):
    """URL patterns grouped by audience (the first path segment) and then by router
    prefix. Django tries a URL list in order, so ninja's flat list (one pattern per
    route, ≈ 125) made every request scan up to all of them: 1.6 ms of CPU per
    estimate in the profile (bench/profile_estimator.py). Grouped, a request tries at
    most the six audiences, its audience's router prefixes and its router's routes.
    Names stay in the ``api`` namespace (``include`` of plain lists adds none)."""

    def _get_urls(self):
        groups: dict[str, dict[str, list]] = {}
        for bound in self._get_bound_routers():
            head, _, rest = bound.prefix.strip("/").partition("/")
            groups.setdefault(head, {}).setdefault(rest, []).extend(bound.urls_paths(""))
        result = list(get_openapi_urls(self))
        for head, routers in groups.items():
            inner = []
            for rest, patterns in routers.items():
                inner.extend(patterns if not rest else [path(f"{rest}/", include(patterns))])
            if head:
                result.append(path(f"{head}/", include(inner)))
            else:  # ninja's default router (operations declared on the API itself)
                result.extend(inner)
        result.append(get_root_url(self))
        return result


api = ShebaoAPI(
    title="Shebao API",
    version="1",
    description="社保平台接口 — Shebao social-insurance platform API. Audiences: staff, citizen (me), employer.",
    urls_namespace="api",
)

# URL patterns are tried in this order on every request: the register's routes (person
# look-ups above all) first. No two routers' paths overlap, so the order is only speed.
api.add_router("/staff/", register_staff_router)
api.add_router("/me/", register_citizen_router)
api.add_router("/employer/", register_employer_router)
api.add_router("/auth/", accounts_router)
api.add_router("/me/complaints/", complaints_citizen_router)
api.add_router("/public/complaints/", complaints_public_router)
api.add_router("/staff/complaints/", complaints_staff_router)
api.add_router("/me/mandates/", mandates_citizen_router)
api.add_router("/agent/mandates/", mandates_agent_router)
api.add_router("/staff/mandates/", mandates_staff_router)
api.add_router("/me/appointments/", appointments_citizen_router)
api.add_router("/staff/appointments/", appointments_staff_router)
api.add_router("/me/certificates/", certificates_citizen_router)
api.add_router("/public/certificates/", certificates_public_router)
api.add_router("/staff/certificates/", certificates_staff_router)
api.add_router("/staff/contributions/", contributions_staff_router)
api.add_router("/staff/payroll/", payroll_staff_router)
api.add_router("/employer/contributions/", contributions_employer_router)
api.add_router("/me/contributions/", contributions_citizen_router)
api.add_router("/me/hall/", hall_citizen_router)
api.add_router("/me/benefits/", benefits_citizen_router)
api.add_router("/public/benefits/", benefits_public_router)
api.add_router("/employer/hall/", hall_employer_router)
api.add_router("/staff/hall/", hall_staff_router)
api.add_router("/me/medical/", medical_citizen_router)
api.add_router("/staff/medical/", medical_staff_router)
api.add_router("/staff/exchange/", exchange_staff_router)
api.add_router("/me/transfers/", transfers_citizen_router)
api.add_router("/staff/transfers/", transfers_staff_router)
api.add_router("/me/unemployment/", unemployment_citizen_router)
api.add_router("/staff/unemployment/", unemployment_staff_router)
