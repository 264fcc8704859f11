from django.urls import path

from shebao.transfers import views

app_name = "transfers"

urlpatterns = [
    path("me/transfers/", views.my_transfers, name="me"),
    path("staff/transfers/", views.staff_list, name="staff_list"),
    path("staff/transfers/<int:pk>/<str:action>", views.staff_action, name="staff_action"),
]
