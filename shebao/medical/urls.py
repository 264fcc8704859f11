"""异地就医备案 pages."""

from django.urls import path

from shebao.medical import views

app_name = "medical"

urlpatterns = [
    path("me/medical/", views.my_registrations, name="me"),
    path("staff/medical/", views.staff_person, name="staff"),
]
