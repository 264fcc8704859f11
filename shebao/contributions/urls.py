"""Contribution pages: staff back office (/staff/contributions/), citizen portal
(/me/contributions/), employer portal (/employer/contributions/)."""

from django.urls import path

from shebao.contributions.views import citizen, employer, staff

app_name = "contributions"

urlpatterns = [
    # Staff back office
    path("staff/contributions/runs/", staff.runs, name="staff_runs"),
    path("staff/contributions/runs/start/", staff.run_start, name="staff_run_start"),
    path("staff/contributions/runs/<int:run_id>/", staff.run_detail, name="staff_run"),
    path("staff/contributions/runs/<int:run_id>/progress/", staff.run_progress, name="staff_run_progress"),
    path("staff/contributions/arrears/", staff.arrears_list, name="staff_arrears"),
    path("staff/contributions/parameters/", staff.parameters, name="staff_parameters"),
    path("staff/contributions/parameters/add/", staff.parameter_add, name="staff_parameter_add"),
    path(
        "staff/contributions/employers/<int:employer_id>/bills/",
        staff.employer_bills,
        name="staff_employer_bills",
    ),
    path("staff/contributions/persons/<int:person_id>/bills/", staff.person_bills, name="staff_person_bills"),
    # Citizen portal
    path("me/contributions/", citizen.history, name="citizen_history"),
    path("me/contributions/grade/", citizen.grade, name="citizen_grade"),
    # Employer portal
    path("employer/contributions/", employer.bills, name="employer_bills"),
    path("employer/contributions/declare/", employer.declare, name="employer_declare"),
    path("employer/contributions/declare/upload/", employer.declare_upload, name="employer_declare_upload"),
    path(
        "employer/contributions/declare/template.xlsx",
        employer.declare_template,
        name="employer_declare_template",
    ),
    path("employer/contributions/monthly/", employer.monthly, name="employer_monthly"),
    path("employer/contributions/payments/", employer.payments, name="employer_payments"),
    path("employer/contributions/arrears/", employer.arrears_statement, name="employer_arrears"),
]
