"""The HTTP API (django-ninja, OpenAPI 3 at /api/v1/openapi.json, docs at /api/v1/docs).

One router module per audience; each app contributes its routers here.
"""

from ninja import NinjaAPI

from shebao.accounts.api import router as accounts_router
from shebao.contributions.api_citizen import router as contributions_citizen_router
from shebao.contributions.api_employer import router as contributions_employer_router
from shebao.contributions.api_staff import router as contributions_staff_router
from shebao.register.api_citizen import router as register_citizen_router
from shebao.register.api_employer import router as register_employer_router
from shebao.register.api_staff import router as register_staff_router

api = NinjaAPI(
    title="Shebao API",
    version="1",
    description="社保平台接口 — Shebao social-insurance platform API. Audiences: staff, citizen (me), employer.",
    urls_namespace="api",
)

api.add_router("/auth/", accounts_router)
api.add_router("/staff/contributions/", contributions_staff_router)
api.add_router("/employer/contributions/", contributions_employer_router)
api.add_router("/me/contributions/", contributions_citizen_router)
api.add_router("/staff/", register_staff_router)
api.add_router("/me/", register_citizen_router)
api.add_router("/employer/", register_employer_router)
