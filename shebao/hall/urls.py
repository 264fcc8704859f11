"""Service-hall pages: /hall/ (catalogue, guides, applying, my applications) and
/staff/hall/ (workbench, case handling, catalogue administration)."""

from django.urls import path

from shebao.hall import views

app_name = "hall"

urlpatterns = [
    path("hall/", views.catalogue, name="catalogue"),
    path("hall/items/<slug:code>/", views.item, name="item"),
    path("hall/items/<slug:code>/notice/", views.notice, name="notice"),
    path("hall/items/<slug:code>/start/", views.start, name="start"),
    path("hall/cases/", views.my_cases, name="my_cases"),
    path("hall/cases/<int:case_id>/", views.case, name="case"),
    path("hall/cases/<int:case_id>/upload/", views.upload, name="upload"),
    path(
        "hall/cases/<int:case_id>/uploads/<int:upload_id>/remove/", views.remove_upload, name="remove_upload"
    ),
    path("hall/cases/<int:case_id>/receipt.json", views.receipt, name="receipt"),
    path("hall/files/<int:upload_id>/", views.file, name="file"),
    path("staff/hall/", views.workbench, name="workbench"),
    path("staff/hall/cases/<int:case_id>/", views.staff_case, name="staff_case"),
    path("staff/hall/catalogue/<slug:code>/", views.admin_item, name="admin_item"),
]
