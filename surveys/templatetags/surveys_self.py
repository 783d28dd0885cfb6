"""The member's open surveys, for the include on the personal page."""

from django import template

from surveys.selectors import member_open_surveys

register = template.Library()


@register.simple_tag
def open_surveys_for(member):
    return list(member_open_surveys(member=member)) if member is not None else []
