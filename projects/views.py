from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404("not built yet")


project_list = project_detail = investment = _todo
