from django.urls import path

from . import verification_views as verifying
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
    path("verification/", verifying.verification_list, name="verifications"),
    path("verification/mark/", verifying.verification_mark, name="verification-mark"),
    path("verification/sample/", verifying.verification_sample, name="verification-sample"),
    path("verification/<int:pk>/", verifying.verification_detail, name="verification"),
    path(
        "verification/<int:pk>/record/",
        verifying.verification_record,
        name="verification-record",
    ),
    path(
        "verification/<int:pk>/cancel/",
        verifying.verification_cancel,
        name="verification-cancel",
    ),
    path(
        "verification/<int:pk>/evidence/",
        verifying.verification_attach,
        name="verification-evidence-add",
    ),
    path(
        "verification/evidence/<int:pk>/",
        verifying.verification_file,
        name="verification-evidence",
    ),
    path(
        "verification/evidence/<int:pk>/thumbnail/",
        verifying.verification_file,
        {"thumbnail": True},
        name="verification-evidence-thumbnail",
    ),
    path(
        "verification/evidence/<int:pk>/remove/",
        verifying.verification_detach,
        name="verification-evidence-remove",
    ),
]
