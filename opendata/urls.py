from django.urls import path

from . import public_views, publishing_views

app_name = "opendata"

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
]
