"""``{% report_rows section %}``: the body rows of a dashboard table.

The same HTML the template loop gave (row heading, numbers right-aligned,
"—" for no value, values localised and escaped as ``{{ value }}`` does),
built in one pass: a zone's street table has hundreds of rows, and the
template loop over every cell took longer than the zone's figures."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

register = template.Library()


def _text(value) -> str:
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        # What localize gives an int without grouping, without its lookups.
        return str(value)
    return conditional_escape(localize(template_localtime(value)))


@register.simple_tag
def report_rows(section) -> str:
    numeric = [flag for _column, flag in section.header]
    lines = []
    for row in section.rows:
        cells = []
        for i, value in enumerate(row):
            if i == 0:
                cells.append(f'<th scope="row">{_text(value)}</th>')
                continue
            align = ' class="text-end"' if i < len(numeric) and numeric[i] else ""
            cells.append(f"<td{align}>{'—' if value is None else _text(value)}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(lines))  # nosec B308 B703 - every value escaped above
