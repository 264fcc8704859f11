from django.urls import include, path
from django.views.i18n import set_language

from shebao.config.api import api
from shebao.kernel.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("accounts/", include("shebao.accounts.urls")),
    path("", include("shebao.register.urls")),
    path("", include("shebao.contributions.urls")),
    path("", include("shebao.certificates.urls")),
    path("", include("shebao.kernel.urls")),
    path("", include("shebao.appointments.urls")),
    path("", include("shebao.hall.urls")),
    path("", include("shebao.complaints.urls")),
    path("", include("shebao.benefits.urls")),
    path("", include("shebao.medical.urls")),
    path("", include("shebao.payroll.urls")),
    path("", include("shebao.exchange.urls")),
    path("", include("shebao.transfers.urls")),
    path("", include("shebao.unemployment.urls")),
    path("", include("shebao.web.urls")),
]
