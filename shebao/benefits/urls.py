"""Benefit pages: the citizen's pension estimate and approved pension (/me/benefits/)."""

from django.urls import path

from shebao.benefits import views

app_name = "benefits"

urlpatterns = [
    path("me/benefits/", views.estimate, name="estimate"),
]
