"""Public kernel pages: the signing keys and the receipt checker (no login)."""

from django.urls import path

from shebao.kernel import views

app_name = "kernel"

urlpatterns = [
    path(".well-known/shebao-signing-keys.json", views.signing_keys, name="signing_keys"),
    path("receipts/verify/", views.receipt_check, name="receipt_check"),
]
