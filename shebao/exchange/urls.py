from django.urls import path

from shebao.exchange import views

app_name = "exchange"

urlpatterns = [
    path("exchange/inbox", views.inbox, name="inbox"),
    path("staff/exchange/", views.staff_messages, name="staff_messages"),
]
