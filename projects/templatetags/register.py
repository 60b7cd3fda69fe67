"""Template filters of the project register."""

from django import template

from projects.models import Stage

register = template.Library()


@register.filter
def stage_label(stage):
    """A project stage's word (谋划/具备开工条件/已开工/已竣工)."""
    return Stage(stage).label if stage else "—"
