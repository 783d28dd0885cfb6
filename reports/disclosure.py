"""Statistical disclosure control for the anonymised (national) dashboard.

Hiding every count below 5 on its own is not enough: a hidden cell follows
by subtraction wherever a total or a related figure is shown (a total minus
the other kinds, last month's members plus this month's joins minus this
month's members, a province minus its other municipalities). ``protect`` is
the one place that hides figures on the national report, before the page,
its charts and its exports read the rows, so they all show the same thing.

The rule:

1. **Primary suppression.** Every count below ``SMALL_COUNT_THRESHOLD``
   (zero included) reads "< 5".
2. **Complementary (secondary) suppression.** Each ``Relation`` is a linear
   identity between shown cells (parts and their total, a running series,
   sub-areas and their area, the same total in two sections). When exactly
   one cell of a relation is hidden, the smallest cell still shown in it is
   hidden too, so the relation has two unknowns. When every hidden cell of a
   relation is a small count, and their known sum still pins one of them
   down (e.g. the sum is 0, or 4 + 4 for two cells), one more is hidden.
   This repeats until no relation changes: hiding a cell can expose it in
   another relation. A secondary cell reads "< 5" as well, so a reader
   cannot tell which of two hidden cells is the small one.
3. **Derived figures.** A rate or a time (``Derived``) computed from a
   hidden count is left out.

Only relations listed by the caller are protected; they are the identities
the report shows (see ``reports.tables.national``).
"""

from __future__ import annotations

from dataclasses import dataclass

from networks.selectors import SMALL_COUNT_THRESHOLD, suppress_small

# A cell of the report: (section key, row index, column index).
Ref = tuple[str, int, int]

HIDDEN = suppress_small(0)  # "< 5"


@dataclass(frozen=True)
class Relation:
    """``sum(coefficient * cell) == 0`` holds for the true values."""

    terms: tuple[tuple[Ref, int], ...]

    @classmethod
    def total(cls, parts: list[Ref], total: Ref | list[Ref]) -> Relation:
        """The parts add up to the total (or to the sum of several totals)."""
        totals = total if isinstance(total, list) else [total]
        coefficients: dict[Ref, int] = {}
        for ref in parts:
            coefficients[ref] = coefficients.get(ref, 0) + 1
        for ref in totals:
            coefficients[ref] = coefficients.get(ref, 0) - 1
        return cls(tuple((ref, c) for ref, c in coefficients.items() if c))

    @classmethod
    def running(cls, *, now: Ref, before: Ref, added: Ref, removed: Ref) -> Relation:
        """``now = before + added - removed`` (members at month end)."""
        return cls(((now, 1), (before, -1), (added, -1), (removed, 1)))


@dataclass(frozen=True)
class Derived:
    """A figure (rate, time) computed from counts: left out when any is hidden."""

    cell: Ref
    inputs: tuple[Ref, ...]


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pins_one(terms, values: dict[Ref, int], hidden: set[Ref]) -> bool:
    """Whether a relation whose hidden cells are all below the threshold
    determines one of them: each lies in [0, threshold - 1] and the shown
    cells fix their weighted sum."""
    top = SMALL_COUNT_THRESHOLD - 1
    known = -sum(c * values[ref] for ref, c in terms if ref not in hidden)
    unknown = [c for ref, c in terms if ref in hidden]
    all_low = sum(min(0, c * top) for c in unknown)
    all_high = sum(max(0, c * top) for c in unknown)
    for c in unknown:
        # c * x = known - rest, the rest (the other hidden cells) lying in
        # [low, high], and x in [0, top].
        low, high = all_low - min(0, c * top), all_high - max(0, c * top)
        own_lo, own_hi = (0, c * top) if c > 0 else (c * top, 0)
        if max(known - high, own_lo) == min(known - low, own_hi):
            return True
    return False


_PRIME = (1 << 61) - 1  # exact arithmetic modulo a large prime (coefficients are ±1)


def _subtract(row: dict[Ref, int], factor: int, other: dict[Ref, int], uses, owner) -> None:
    """``row -= factor * other`` modulo the prime, keeping ``uses`` (cell ->
    pivots whose row holds it) up to date for the row of pivot ``owner``."""
    for ref, c in other.items():
        value = (row.get(ref, 0) - factor * c) % _PRIME
        if value:
            if ref not in row and owner is not None:
                uses.setdefault(ref, set()).add(owner)
            row[ref] = value
        elif ref in row:
            del row[ref]
            if owner is not None:
                uses[ref].discard(owner)


def _determined(relations: list[Relation], hidden: set[Ref]) -> list[Ref]:
    """The hidden cells some combination of relations gives exactly.

    The relations, restricted to the hidden cells (the shown ones are
    constants), are brought to reduced row echelon form; a hidden cell is
    determined when its pivot row holds no other hidden cell. Rows stay
    sparse (a cell sits in a few relations), so thousands of hidden cells
    take well under a second."""
    pivots: dict[Ref, dict[Ref, int]] = {}  # pivot cell -> its row, pivot coefficient 1
    uses: dict[Ref, set[Ref]] = {}  # cell -> pivots whose row holds it
    for relation in relations:
        row = {ref: c % _PRIME for ref, c in relation.terms if ref in hidden}
        # Pivot rows hold no other pivot, so one pass clears them all.
        for pivot in [ref for ref in row if ref in pivots]:
            if row.get(pivot):
                _subtract(row, row[pivot], pivots[pivot], uses, None)
        if not row:
            continue
        pivot = next(iter(row))
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        row = {ref: c * inverse % _PRIME for ref, c in row.items()}
        for other in list(uses.get(pivot, ())):
            _subtract(pivots[other], pivots[other][pivot], row, uses, other)
        pivots[pivot] = row
        for ref in row:
            uses.setdefault(ref, set()).add(pivot)
    return [pivot for pivot, row in pivots.items() if len(row) == 1]


def protect(sections, *, relations: list[Relation], derived: list[Derived]) -> set[Ref]:
    """Hide the counts of ``sections`` (``reports.tables.report.Section``) that are
    small or could be worked out from what is shown, in place; returns the
    hidden cells. Every int in the rows is a count."""
    by_key = {section.key: section for section in sections}
    values: dict[Ref, int] = {}
    for section in sections:
        for r, row in enumerate(section.rows):
            for col, value in enumerate(row):
                if _is_count(value):
                    values[(section.key, r, col)] = value
    primary = {ref for ref, value in values.items() if value < SMALL_COUNT_THRESHOLD}
    hidden = set(primary)
    # A relation over a cell that is not a count (None, text) cannot be used.
    usable = [rel for rel in relations if all(ref in values for ref, _c in rel.terms)]

    def smallest_shown(relation: Relation) -> Ref | None:
        refs = [ref for ref, _c in relation.terms]
        shown = [ref for ref in refs if ref not in hidden]
        return min(shown, key=lambda ref: (values[ref], refs.index(ref))) if shown else None

    holding: dict[Ref, list[int]] = {}  # cell -> the relations it appears in
    for i, relation in enumerate(usable):
        for ref, _c in relation.terms:
            holding.setdefault(ref, []).append(i)

    def nearest_shown(ref: Ref) -> Ref | None:
        """The smallest shown cell of the relations holding ``ref``, or if
        they hold none, of the relations next to those (sharing a hidden
        cell), and so on: where a combination giving ``ref`` takes its
        known values from."""
        cells, seen = {ref}, set()
        while True:
            ring = sorted({i for r in cells for i in holding.get(r, ()) if i not in seen})
            if not ring:
                return None
            seen.update(ring)
            picks = [p for i in ring if (p := smallest_shown(usable[i])) is not None]
            if picks:
                return min(picks, key=lambda r: values[r])
            cells = {r for i in ring for r, _c in usable[i].terms}

    while True:
        changed = True
        while changed:
            changed = False
            for relation in usable:
                secret = [ref for ref, _c in relation.terms if ref in hidden]
                if not secret:
                    continue
                exposed = len(secret) == 1 or (
                    all(ref in primary for ref in secret)
                    and _pins_one(relation.terms, values, hidden)
                )
                pick = smallest_shown(relation) if exposed else None
                if pick is not None:
                    hidden.add(pick)
                    changed = True
        # Relations together can give what none gives alone (a province
        # minus a zone is the municipality outside the zone).
        added = False
        for ref in _determined(usable, hidden):
            pick = nearest_shown(ref)
            if pick is not None:
                hidden.add(pick)
                added = True
        if not added:
            break
    for key, r, col in hidden:
        by_key[key].rows[r][col] = HIDDEN
    for figure in derived:
        if any(ref in hidden for ref in figure.inputs):
            key, r, col = figure.cell
            by_key[key].rows[r][col] = None
    return hidden
