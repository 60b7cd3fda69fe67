from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security_page, name="security"),
    path("security/unlock/", views.lift_lockout, name="lift-lockout"),
    path("security/sessions/end/", views.end_session, name="end-session"),
    path("security/policy/", views.policy, name="policy"),
]
