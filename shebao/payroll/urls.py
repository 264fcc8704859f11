"""Payroll staff pages (/staff/payroll/)."""

from django.urls import path

from shebao.payroll import views

app_name = "payroll"

urlpatterns = [
    path("staff/payroll/", views.runs, name="runs"),
    path("staff/payroll/runs/start/", views.run_start, name="run_start"),
    path("staff/payroll/runs/<int:run_id>/", views.run_detail, name="run"),
    path("staff/payroll/runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("staff/payroll/batches/<int:batch_id>/file/", views.batch_file, name="batch_file"),
    path("staff/payroll/batches/<int:batch_id>/returns/", views.batch_returns, name="batch_returns"),
    path("staff/payroll/payees/", views.payees, name="payees"),
    path("staff/payroll/payees/<int:payee_id>/", views.payee_detail, name="payee"),
    path("staff/payroll/payees/<int:payee_id>/suspend/", views.payee_suspend, name="payee_suspend"),
    path("staff/payroll/payees/<int:payee_id>/resume/", views.payee_resume, name="payee_resume"),
    path("staff/payroll/receivables/", views.receivables, name="receivables"),
    path(
        "staff/payroll/receivables/<int:receivable_id>/<str:action>/",
        views.receivable_action,
        name="receivable_action",
    ),
]
