"""Benefit pages: the citizen's pension estimate and approved pension (/me/benefits/)."""

from django.urls import path

from shebao.benefits import views, views_certification

app_name = "benefits"

urlpatterns = [
    path("me/benefits/", views.estimate, name="estimate"),
    path("me/certification/", views_certification.my_certification, name="certification_me"),
    path("staff/certification/", views_certification.staff_list, name="certification_staff"),
]
