"""Views of the site itself rather than of an app: the health check."""

from django.db import DatabaseError, connection
from django.http import HttpResponse


def healthz(request):
    """200 when the database answers, 503 when it does not: what a monitor or nginx asks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")
