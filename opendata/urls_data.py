"""The open data, the published 对照表 (no login) and the office's 对照表 page.

Kept apart from the public page's ``opendata.urls`` until the two are merged into one module;
both use the ``opendata`` namespace, so the names stay as they are.
"""

from django.urls import path

from . import views_data, views_table

app_name = "opendata"

PUBLIC = "public/<str:code>/<int:year>/"

urlpatterns = [
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
