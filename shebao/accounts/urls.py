from django.contrib.auth import views as auth_views
from django.urls import path

from shebao.accounts import views, views_mandates

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("mandates/", views_mandates.mandates, name="mandates"),
    path("mandates/<int:mandate_id>/revoke/", views_mandates.mandate_revoke, name="mandate_revoke"),
    path("admin/users/", views.user_list, name="user_list"),
    path("admin/users/new-staff/", views.staff_create, name="staff_create"),
    path("admin/users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("admin/users/<int:user_id>/slip/", views.user_issue_slip, name="user_issue_slip"),
    path("admin/users/<int:user_id>/reset-totp/", views.user_reset_totp, name="user_reset_totp"),
    path("admin/users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("admin/users/<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("admin/users/<int:user_id>/posts/", views.user_set_posts, name="user_set_posts"),
    path("admin/users/<int:user_id>/tokens/", views.token_create, name="token_create"),
    path("admin/users/<int:user_id>/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
