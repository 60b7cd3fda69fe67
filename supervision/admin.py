from django.contrib import admin

from indicators.admin import RegionScopedAdmin

from .models import Dispatch


@admin.register(Dispatch)
class DispatchAdmin(RegionScopedAdmin, admin.ModelAdmin):
    """What send_reminders sent or failed to send, for the office to check a channel: its own
    regions' messages only, read only (a robot's address is a secret of its group)."""

    list_display = ["created_at", "channel", "recipient", "title", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "title", "key"]
    readonly_fields = [f.name for f in Dispatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
