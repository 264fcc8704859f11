"""参保证明 pages: citizen portal (/me/certificates/), staff (/staff/certificates/),
public verification (/verify/<code>, no login)."""

from django.urls import path

from shebao.certificates import views

app_name = "certificates"

urlpatterns = [
    path("me/certificates/", views.issue, name="issue"),
    path("me/certificates/<str:number>/", views.citizen_detail, name="citizen_detail"),
    path("me/certificates/<str:number>/pdf/", views.citizen_pdf, name="citizen_pdf"),
    path("staff/certificates/", views.staff_find, name="staff_find"),
    path("staff/certificates/<int:certificate_id>/revoke/", views.staff_revoke, name="staff_revoke"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>", views.verify, name="verify"),
]
