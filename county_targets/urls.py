from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.endpoints import api
from indicators.accounts import password_change

from .views import healthz

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", password_change, name="password_change"),
    path("healthz", healthz, name="healthz"),
    # Next: the public pages are what anyone may ask for most, and every pattern tried before
    # them costs each of their requests.
    path("", include("opendata.urls")),
    # The header's language switch posts to /i18n/setlang/ (Django's set_language view).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    # The read-only API (its OpenAPI schema at /api/v1/schema/) and the tokens that open it.
    path("api/v1/", api.urls),
    path("api/", include("api.urls")),
    path("projects/", include("projects.urls")),
    path("", include("supervision.urls")),
    path("", include("reporting.urls")),
]
