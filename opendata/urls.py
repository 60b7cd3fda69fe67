from django.urls import path

from . import public_views, publishing_views, views_data, views_table

app_name = "opendata"

PUBLIC = "public/<str:code>/<int:year>/"

urlpatterns = [
    # The public side (no login): the contract's page and the CSV behind each of its charts.
    path("public/language/", public_views.public_language, name="public-language"),
    path("public/<str:code>/<int:year>/", public_views.public_page, name="public-page"),
    path(
        "public/<str:code>/<int:year>/sections/<int:section_id>.csv",
        public_views.public_section_csv,
        name="public-section-csv",
    ),
    # The office's page that runs it.
    path("publishing/", publishing_views.office_page, name="publishing"),
    path("publishing/<int:report_id>/site/", publishing_views.switch_site, name="publishing-site"),
    path(
        "publishing/<int:report_id>/month/",
        publishing_views.publish_month,
        name="publishing-month",
    ),
    path(
        "publishing/<int:report_id>/fields/",
        publishing_views.choose_fields,
        name="publishing-fields",
    ),
    # Open data and the published 对照表 (no login), then the office's 对照表 page.
    path(PUBLIC + "data.csv", views_data.data_csv, name="data-csv"),
    path(PUBLIC + "data.json", views_data.data_json, name="data-json"),
    path(PUBLIC + "data-dictionary.csv", views_data.data_dictionary, name="data-dictionary"),
    path(
        PUBLIC + "comparison.docx",
        views_data.public_comparison_docx,
        name="public-comparison-docx",
    ),
    path(
        PUBLIC + "comparison.xlsx",
        views_data.public_comparison_xlsx,
        name="public-comparison-xlsx",
    ),
    path("comparison/", views_table.comparison_latest, name="comparison-latest"),
    path("comparison/<int:year>/", views_table.comparison_page, name="comparison"),
    path(
        "comparison/<int:year>/publish/", views_table.comparison_publish, name="comparison-publish"
    ),
    path("comparison/<int:year>.docx", views_table.comparison_docx_view, name="comparison-docx"),
    path("comparison/<int:year>.xlsx", views_table.comparison_xlsx_view, name="comparison-xlsx"),
]
