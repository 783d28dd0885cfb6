"""The table structure the dashboards are built from (``reports.tables.report``)."""

from __future__ import annotations

import pytest

from reports.tables.report import Columns


def test_columns_build_rows_and_address_cells_by_name():
    table = Columns("t", ("label", "a", "b"))
    assert table.row(b=2, label="x", a=1) == ["x", 1, 2]
    assert table.cell(3, "b") == ("t", 3, 2)
    assert table.indexes("b", "a") == [2, 1]


@pytest.mark.parametrize("values", [{"label": "x", "a": 1}, {"label": "x", "a": 1, "b": 2, "c": 3}])
def test_columns_refuse_a_row_that_misses_or_adds_a_column(values):
    with pytest.raises(ValueError):
        Columns("t", ("label", "a", "b")).row(**values)
