from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/read/", views.notice_read_all, name="notices-read"),
    path("notices/<int:pk>/", views.notice_open, name="notice-open"),
    path("slips/", views.slip_list, name="slips"),
    path("slips/new/", views.slip_new, name="slip-new"),
    path("slips/<int:pk>/", views.slip_detail, name="slip"),
    path("slips/<int:pk>/<str:action>/", views.slip_action, name="slip-action"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/<int:year>/<int:month>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:year>/<int:month>.docx", views.bulletin_docx, name="bulletin-docx"),
    path(
        "bulletins/<int:year>/<int:month>/<str:action>/",
        views.bulletin_action,
        name="bulletin-action",
    ),
]
