"""Register pages: staff back office (/staff/), citizen portal (/me/), employer portal (/employer/).

No URL carries an ID number: searches and look-ups by ID are POSTed.
"""

from django.urls import path

from shebao.register.views import citizen, employer, staff

app_name = "register"

urlpatterns = [
    # Staff back office
    path("staff/", staff.dashboard, name="staff_dashboard"),
    path("staff/persons/", staff.person_list, name="staff_persons"),
    path("staff/persons/new/", staff.person_register, name="staff_person_register"),
    path("staff/persons/<int:person_id>/", staff.person_detail, name="staff_person"),
    path("staff/persons/<int:person_id>/reveal/", staff.person_reveal, name="staff_person_reveal"),
    path("staff/persons/<int:person_id>/change/", staff.person_change, name="staff_person_change"),
    path("staff/persons/<int:person_id>/hire/", staff.person_hire, name="staff_person_hire"),
    path(
        "staff/persons/<int:person_id>/employments/<int:employment_id>/separate/",
        staff.person_separate,
        name="staff_person_separate",
    ),
    path("staff/persons/<int:person_id>/flexible/", staff.person_flexible, name="staff_person_flexible"),
    path("staff/persons/<int:person_id>/enrolments/", staff.person_enrolment, name="staff_person_enrolment"),
    path("staff/employers/", staff.employer_list, name="staff_employers"),
    path("staff/employers/new/", staff.employer_register, name="staff_employer_register"),
    path("staff/employers/<int:employer_id>/", staff.employer_detail, name="staff_employer"),
    path("staff/employers/<int:employer_id>/change/", staff.employer_change, name="staff_employer_change"),
    path("staff/employers/<int:employer_id>/cancel/", staff.employer_cancel, name="staff_employer_cancel"),
    # Citizen portal
    path("me/", citizen.my_record, name="citizen_home"),
    # Employer portal
    path("employer/", employer.roster, name="employer_roster"),
    path("employer/hire/", employer.hire, name="employer_hire"),
    path("employer/separate/", employer.separate_list, name="employer_separate_list"),
    path("employer/separate/<int:employment_id>/", employer.separate, name="employer_separate"),
    path("employer/batch/", employer.batch, name="employer_batch"),
    path("employer/batch/template/<slug:kind>.xlsx", employer.batch_template, name="employer_batch_template"),
    path("employer/info/", employer.info, name="employer_info"),
]
