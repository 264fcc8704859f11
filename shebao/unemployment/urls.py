"""失业保险金 pages."""

from django.urls import path

from shebao.unemployment import views

app_name = "unemployment"

urlpatterns = [
    path("me/unemployment/", views.my_unemployment, name="me"),
    path("staff/unemployment/", views.staff_claims, name="staff"),
    path("staff/unemployment/claims/<int:claim_id>/", views.staff_claim, name="staff_claim"),
    path("staff/unemployment/claims/<int:claim_id>/stop/", views.staff_claim_stop, name="staff_claim_stop"),
    path("staff/unemployment/parameters/", views.staff_parameters, name="staff_parameters"),
    path("staff/unemployment/parameters/add/", views.staff_parameter_add, name="staff_parameter_add"),
    path("staff/unemployment/medical/", views.staff_medical, name="staff_medical"),
]
