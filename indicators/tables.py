"""Tables: one base table sets the template and CSS; each app's tables declare their columns."""

import django_tables2 as tables


class BaseTable(tables.Table):
    class Meta:
        template_name = "django_tables2/table.html"
        attrs = {"class": "data"}
        per_page = 50


NUM = {"th": {"class": "num"}, "td": {"class": "num"}}
