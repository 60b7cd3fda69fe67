from django.contrib import admin

from .models import Dispatch


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    """What send_reminders sent or failed to send: read only, for the office to check a channel."""

    list_display = ["created_at", "channel", "recipient", "title", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "report"]
    search_fields = ["recipient", "title", "key"]
    readonly_fields = [f.name for f in Dispatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
