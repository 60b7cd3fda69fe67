"""The admin site: the configuration tool of the supervision office and the system administrator
(系统管理员, one of the 三员 of ``accounts.roles``); the security and audit administrators have
pages of their own and are refused here.

Who may use it is the access rule's answer (``indicators.access.can_use_admin``), asked here once
for every admin page; a signed-in user it refuses gets the styled 403 page, not a second login.
"""

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from indicators import access


class CountyAdminSite(admin.AdminSite):
    site_header = _("政府工作报告目标任务跟踪 · 管理")
    site_title = _("目标任务跟踪管理")
    index_title = _("设置与资料")

    def has_permission(self, request):
        return access.can_use_admin(request.user)

    def each_context(self, request):
        context = super().each_context(request)
        if not access.can_read_dashboards(request.user):
            # The system administrator's site is the admin itself: "view site" would lead back.
            context["site_url"] = None
        return context

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            # Signed in but not the office: a plain refusal, not the admin's own login form.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return super().login(request, extra_context)
