from django.urls import path

from .views import dashboards, evidence, excel, monthly, regions, review

app_name = "reporting"

urlpatterns = [
    path("", dashboards.overview, name="home"),
    path("start/", monthly.landing, name="landing"),
    path("sections/<int:pk>/", dashboards.section_detail, name="section"),
    path("indicators/<int:pk>/", dashboards.indicator_detail, name="indicator"),
    path("departments/", dashboards.department_list, name="departments"),
    path("departments/<int:pk>/", dashboards.department_detail, name="department"),
    path("screen/", dashboards.screen, name="screen"),
    path("regions/", regions.region_list, name="regions"),
    path("regions/summary.xlsx", regions.region_workbook, name="regions-workbook"),
    path("report/<int:year>/<int:month>/", monthly.monthly_form, name="monthly-form"),
    path(
        "report/<int:year>/<int:month>/evidence/<str:kind>/<int:pk>/",
        evidence.attach,
        name="evidence-add",
    ),
    path("evidence/<str:kind>/<int:pk>/", evidence.evidence_file, name="evidence-file"),
    path(
        "evidence/<str:kind>/<int:pk>/thumbnail/",
        evidence.evidence_file,
        {"thumbnail": True},
        name="evidence-thumbnail",
    ),
    path("evidence/<str:kind>/<int:pk>/remove/", evidence.detach, name="evidence-remove"),
    path("review/", review.review_queue, name="review"),
    path("review/<str:action>/", review.review_action, name="review-action"),
    path("locks/<int:year>/<int:month>/", review.month_lock, name="month-lock"),
    path("export/summary.xlsx", excel.export_summary, name="export-summary"),
    path("import/", excel.import_upload, name="import"),
    path("import/template.xlsx", excel.import_template, name="import-template"),
]
