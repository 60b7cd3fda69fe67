from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404("not built yet")


landing = monthly_form = review_queue = review_action = month_lock = _todo
