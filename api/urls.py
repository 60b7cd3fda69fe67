from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/revoke/", views.revoke, name="token-revoke"),
]
