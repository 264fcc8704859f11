"""网上预约 pages: booking (/appointments/book/?item=<code>), my appointments, the front
desk's day view and queue, slot administration."""

from django.urls import path

from shebao.appointments import views

app_name = "appointments"

urlpatterns = [
    path("appointments/book/", views.book, name="book"),
    path("me/appointments/", views.mine, name="mine"),
    path("me/appointments/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("staff/appointments/", views.desk, name="desk"),
    path("staff/appointments/<int:booking_id>/check-in/", views.check_in, name="check_in"),
    path("staff/appointments/check-in/", views.check_in_reference, name="check_in_reference"),
    path("staff/appointments/slots/", views.slots_admin, name="slots_admin"),
    path("kiosk/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
    path("staff/appointments/slots/<int:slot_id>/capacity/", views.slot_capacity, name="slot_capacity"),
]
