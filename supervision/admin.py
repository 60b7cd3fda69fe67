from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from indicators.admin import RegionScopedAdmin

from .models import Dispatch


@admin.register(Dispatch)
class DispatchAdmin(RegionScopedAdmin, admin.ModelAdmin):
    """What send_reminders sent or failed to send, for the office to check a channel: its own
    regions' messages only, read only (a robot's address is a secret of its group)."""

    list_display = [
        "created_at",
        "channel",
        "shown_recipient",
        "title",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["title", "key"]
    # The recipient only as `shown_recipient`: a robot's address masked, never in full.
    fields = [
        "shown_recipient" if f.name == "recipient" else f.name
        for f in Dispatch._meta.fields
        if f.name != "id"
    ]
    readonly_fields = fields

    @admin.display(description=_("接收方"))
    def shown_recipient(self, dispatch):
        return dispatch.shown_recipient

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
