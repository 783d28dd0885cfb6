"""``{% report_rows %}`` builds a dashboard table's rows in one pass; it must
give the HTML the template loop over every cell gave."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.utils import translation

from reports.tables.report import Section

# The loop ``templates/reports/_table.html`` had before the tag.
LOOP = (
    "{% for row in section.cells %}<tr>{% for value, numeric in row %}{% if forloop.first %}"
    '<th scope="row">{{ value }}</th>{% else %}<td{% if numeric %} class="text-end"{% endif %}>'
    "{% if value is None %}—{% else %}{{ value }}{% endif %}</td>{% endif %}{% endfor %}</tr>"
    "{% endfor %}"
)


def _compact(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_report_rows_gives_what_the_template_loop_gave(language):
    section = Section(
        key="streets",
        title="Streets",
        columns=["Network", "Street", "Members", "Households", "Share (%)", "Note"],
        rows=[
            ["Oordegem", "Kerkstraat", 12, 300, 4.0, "x"],
            ["<b>Zaken</b> & co", "Rue de l'Église", 0, None, None, "< 5"],
            ["Aaigem", "Molenstraat", 1234567, 10, 12.345, True],
        ],
        first_number=2,
        last_number=5,
    )
    engine = engines["django"]
    with translation.override(language):
        loop = engine.from_string(LOOP).render({"section": section})
        tag = engine.from_string("{% load report_tables %}{% report_rows section %}").render(
            {"section": section}
        )
    assert _compact(tag) == _compact(loop)
    assert "&lt;b&gt;Zaken&lt;/b&gt; &amp; co" in tag
    assert "&lt; 5" in tag
