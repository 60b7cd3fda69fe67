from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.records, name="records"),
    path("export.xlsx", views.export, name="export"),
]
