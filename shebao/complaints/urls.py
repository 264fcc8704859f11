"""投诉举报 pages: submit (/complaints/new/, no login needed), track by code (+ secret),
my complaints, the handlers' queue and case page."""

from django.urls import path

from shebao.complaints import views

app_name = "complaints"

urlpatterns = [
    path("complaints/new/", views.submit, name="submit"),
    path("complaints/track/", views.track, name="track"),
    path("me/complaints/", views.mine, name="mine"),
    path("staff/complaints/", views.queue, name="queue"),
    path("staff/complaints/<int:complaint_id>/", views.handle, name="handle"),
]
