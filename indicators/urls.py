from django.urls import path

from .views import dashboards, excel, reporting

app_name = "indicators"

urlpatterns = [
    path("", dashboards.overview, name="home"),
    path("start/", reporting.landing, name="landing"),
    path("sections/<int:pk>/", dashboards.section_detail, name="section"),
    path("indicators/<int:pk>/", dashboards.indicator_detail, name="indicator"),
    path("departments/", dashboards.department_list, name="departments"),
    path("departments/<int:pk>/", dashboards.department_detail, name="department"),
    path("screen/", dashboards.screen, name="screen"),
    path("report/<int:year>/<int:month>/", reporting.monthly_form, name="monthly-form"),
    path("review/", reporting.review_queue, name="review"),
    path("review/<str:action>/", reporting.review_action, name="review-action"),
    path("locks/<int:year>/<int:month>/", reporting.month_lock, name="month-lock"),
    path("export/summary.xlsx", excel.export_summary, name="export-summary"),
    path("import/", excel.import_upload, name="import"),
    path("import/template.xlsx", excel.import_template, name="import-template"),
]
