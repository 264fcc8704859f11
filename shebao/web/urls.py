from django.urls import path

from shebao.web import calendar_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("large-type/", views.large_type, name="large_type"),
    path("admin-calendar/", calendar_views.month, name="calendar"),
    path("admin-calendar/day/", calendar_views.day_edit, name="calendar_day"),
    path("admin-calendar/year/", calendar_views.year_edit, name="calendar_year"),
    path("admin-calendar/deadline/", calendar_views.deadline, name="calendar_deadline"),
]
