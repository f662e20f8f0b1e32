"""Small-count suppression, checked by brute force: no hidden count can be worked out.

The checker plays an observer who sees a figure table and searches every table of counts that
agrees with it: published counts as shown, "< 5" as 1..4, "•" as at least a floor. The labels
allow a floor of 5 (zeros are shown and small counts read "< 5", so a complementary cell hides 5
or more), which is stricter than the floor of 0 of an observer taking "•" for any count. A hidden
count is safe when the search finds it with at least two values. Unknown cells are bounded by the
totals they belong to, or else by ``CAP`` (a bound the observer does not have, so it can only
make the checker find fewer values, never more).
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Iterator, Sequence

import pytest

from portal.visibility.aggregates import SMALL_COUNT, Cell, FigureTable, Suppression, suppress

CAP = 60
Position = tuple[int, int]


# -- the observer ------------------------------------------------------------------------------


def margins(counts: Sequence[Sequence[int]], width: int) -> list[list[int]]:
    """The counts with their row totals as a last column and column totals as a last row."""
    grid = [[*line, sum(line)] for line in counts]
    return [*grid, [sum(line[j] for line in grid) for j in range(width + 1)]]


def shown(table: FigureTable) -> list[list[Cell]]:
    """The figure table in the same layout as ``margins``."""
    grid = [[*line, total] for line, total in zip(table.cells, table.row_totals, strict=True)]
    return [*grid, [*table.column_totals, table.total]]


def bounds(cell: Cell, floor: int) -> tuple[int, int | None]:
    """What a label tells: the value itself, 1..4, or at least ``floor`` (``None``: no upper
    bound)."""
    if cell.reason is Suppression.small:
        return 1, SMALL_COUNT - 1
    if cell.reason is Suppression.complementary:
        return floor, None
    assert cell.value is not None
    return cell.value, cell.value


def hidden(table: FigureTable) -> list[Position]:
    return [
        (i, j)
        for i, line in enumerate(shown(table))
        for j, cell in enumerate(line)
        if cell.value is None
    ]


def consistent(
    table: FigureTable, truth: list[list[int]], position: Position, values: range, floor: int
) -> bool:
    """Whether some table of counts agrees with everything shown and has a value in ``values``
    at ``position`` (a cell or a total).

    The unknowns are the hidden cells; every total follows from the cells. Each unknown starts
    within its label's bounds (up to ``CAP`` when there is none); a search then fixes one unknown
    at a time, the one with the fewest values left, trying them nearest the truth first. Before
    each choice the bounds are narrowed by the totals of the lines until they settle, which cuts
    a branch as soon as a line can no longer meet its total; dead ends are remembered.
    """
    layout = shown(table)
    rows, columns = len(table.rows), len(table.columns)
    limits = {
        (i, j): bounds(cell, floor) for i, line in enumerate(layout) for j, cell in enumerate(line)
    }
    low, high = limits[position]
    top = values.stop - 1
    limits[position] = (max(low, values.start), top if high is None else min(high, top))

    unknowns = [(i, j) for i in range(rows) for j in range(columns) if layout[i][j].value is None]
    start = [(low, CAP if high is None else high) for low, high in (limits[p] for p in unknowns)]
    # Each line: its hidden cells (by index in ``unknowns``), and the bounds on their sum.
    lines: list[tuple[list[int], int, int | None]] = []
    for cells, total in [
        *(([(i, j) for j in range(columns)], (i, columns)) for i in range(rows)),
        *(([(i, j) for i in range(rows)], (rows, j)) for j in range(columns)),
        (list(itertools.product(range(rows), range(columns))), (rows, columns)),
    ]:
        known = sum(layout[i][j].value or 0 for i, j in cells)
        low, high = limits[total]
        members = [unknowns.index(p) for p in cells if p in unknowns]
        lines.append((members, low - known, None if high is None else high - known))
    membership = [[n for n, line in enumerate(lines) if k in line[0]] for k in range(len(start))]

    def settle(domain: list[tuple[int, int]]) -> bool:
        """Narrow the bounds until no line narrows them further; False when one runs empty."""
        if any(low > high for low, high in domain):
            return False
        queue = deque(range(len(lines)))
        while queue:
            n = queue.popleft()
            members, need, room = lines[n]
            least = sum(domain[k][0] for k in members)
            most = sum(domain[k][1] for k in members)
            if most < need or (room is not None and least > room):
                return False
            for k in members:
                a, b = domain[k]
                narrowed = (
                    max(a, need - (most - b)),
                    b if room is None else min(b, room - least + a),
                )
                if narrowed != (a, b):
                    if narrowed[0] > narrowed[1]:
                        return False
                    domain[k] = narrowed
                    least, most = least - a + narrowed[0], most - b + narrowed[1]
                    queue.extend(m for m in membership[k] if m not in queue)
        return True

    dead: set[tuple[tuple[int, int], ...]] = set()

    def search(domain: list[tuple[int, int]]) -> bool:
        if not settle(domain):
            return False
        undecided = [k for k, (low, high) in enumerate(domain) if low < high]
        if not undecided:
            return True  # every unknown fixed and every line within its bounds
        key = tuple(domain)
        if key in dead:
            return False
        k = min(undecided, key=lambda k: domain[k][1] - domain[k][0])
        i, j = unknowns[k]
        low, high = domain[k]
        for value in sorted(range(low, high + 1), key=lambda v: abs(v - truth[i][j])):
            if search([*domain[:k], (value, value), *domain[k + 1 :]]):
                return True
        dead.add(key)
        return False

    return search(start)


def exposed(
    table: FigureTable, counts: Sequence[Sequence[int]], floor: int = SMALL_COUNT
) -> list[Position]:
    """The hidden counts for which the observer finds a single possible value. ``floor`` is the
    least the observer takes a "•" to hide: 5 as the labels tell, 0 for one who ignores that."""
    truth = margins(counts, len(table.columns))
    found = []
    for n, (i, j) in enumerate(hidden(table)):
        value = truth[i][j]
        if n == 0:
            assert consistent(table, truth, (i, j), range(value, value + 1), floor), "truth fits"
        if not (
            consistent(table, truth, (i, j), range(0, value), floor)
            or consistent(
                table, truth, (i, j), range(value + 1, CAP * len(truth) * len(truth[0])), floor
            )
        ):
            found.append((i, j))
    return found


def hide_everything(counts: Sequence[Sequence[int]], width: int) -> FigureTable:
    """The same counts with every non-zero count hidden: the least an observer could be shown."""

    def cell(value: int) -> Cell:
        if value == 0:
            return Cell(0)
        return Cell(None, Suppression.small if value < SMALL_COUNT else Suppression.complementary)

    grid = [[cell(value) for value in line] for line in margins(counts, width)]
    return FigureTable(
        rows=tuple(f"r{i}" for i in range(len(counts))),
        columns=tuple(f"c{j}" for j in range(width)),
        cells=tuple(tuple(line[:-1]) for line in grid[:-1]),
        row_totals=tuple(line[-1] for line in grid[:-1]),
        column_totals=tuple(grid[-1][:-1]),
        total=grid[-1][-1],
    )


def figures(counts: Sequence[Sequence[int]]) -> FigureTable:
    rows, columns = len(counts), len(counts[0])
    return suppress([f"r{i}" for i in range(rows)], [f"c{j}" for j in range(columns)], counts)


def labels(table: FigureTable) -> list[list[str]]:
    return [[cell.label for cell in line] for line in shown(table)]


# -- the checker itself ------------------------------------------------------------------------


def test_the_checker_sees_a_lone_hidden_cell() -> None:
    # Only the small cell hidden: it is its row total minus the rest, and the checker must say so.
    counts = [[3, 10], [7, 9]]
    grid = [[Cell(None, Suppression.small), Cell(10)], [Cell(7), Cell(9)]]
    table = FigureTable(
        rows=("a", "b"),
        columns=("x", "y"),
        cells=tuple(tuple(line) for line in grid),
        row_totals=(Cell(13), Cell(16)),
        column_totals=(Cell(10), Cell(19)),
        total=Cell(29),
    )
    assert exposed(table, counts) == [(0, 0)]


def test_the_checker_sees_a_hidden_cycle_pinned_by_its_bounds() -> None:
    # The two-per-line rule holds here, yet 1 cannot go down and 4 cannot go up together.
    counts = [[1, 10], [10, 4]]
    small, complementary = Cell(None, Suppression.small), Cell(None, Suppression.complementary)
    table = FigureTable(
        rows=("a", "b"),
        columns=("x", "y"),
        cells=((small, complementary), (complementary, small)),
        row_totals=(Cell(11), Cell(14)),
        column_totals=(Cell(11), Cell(14)),
        total=Cell(25),
    )
    assert exposed(table, counts) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_the_checker_reads_the_labels() -> None:
    # 1 and 5 of a shown 6: hidden as "< 5" and "•", they can only be 1 and 5, unless "•" may be
    # below 5, when 2 and 4 also fit.
    counts = [[1, 5]]
    small, complementary = Cell(None, Suppression.small), Cell(None, Suppression.complementary)
    table = FigureTable(
        rows=("a",),
        columns=("x", "y"),
        cells=((small, complementary),),
        row_totals=(Cell(6),),
        column_totals=(small, complementary),
        total=Cell(6),
    )
    assert exposed(table, counts) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert exposed(table, counts, floor=0) == []


# -- labels and shapes -------------------------------------------------------------------------


def test_labels() -> None:
    assert Cell(12).label == "12"
    assert Cell(0).label == "0"
    assert Cell(None, Suppression.small).label == "< 5"
    assert Cell(None, Suppression.complementary).label == "•"


def test_a_cell_has_a_value_or_a_reason() -> None:
    with pytest.raises(ValueError):
        Cell(3, Suppression.small)
    with pytest.raises(ValueError):
        Cell(None)


@pytest.mark.parametrize(
    ("rows", "columns", "counts"),
    [
        (["a", "b"], ["x", "y"], [[1, 2], [3]]),
        (["a"], ["x", "y"], [[1, 2, 3]]),
        (["a", "b"], ["x"], [[1]]),
        (["a"], ["x", "y"], [[6, -1]]),
    ],
)
def test_bad_shapes_and_negative_counts_are_refused(
    rows: list[str], columns: list[str], counts: list[list[int]]
) -> None:
    with pytest.raises(ValueError):
        suppress(rows, columns, counts)


def test_an_empty_table_totals_zero() -> None:
    table = suppress([], ["x", "y"], [])
    assert table.cells == ()
    assert table.row_totals == ()
    assert table.column_totals == (Cell(0), Cell(0))
    assert table.total == Cell(0)
    assert suppress([], [], []).total == Cell(0)


def test_rows_without_columns_total_zero() -> None:
    table = suppress(["a", "b"], [], [[], []])
    assert table.cells == ((), ())
    assert table.row_totals == (Cell(0), Cell(0))
    assert table.total == Cell(0)


# -- hand-written tables -----------------------------------------------------------------------


def test_a_table_of_large_counts_is_shown_whole() -> None:
    table = figures([[5, 12], [30, 7]])
    assert labels(table) == [["5", "12", "17"], ["30", "7", "37"], ["35", "19", "54"]]
    assert (table.rows, table.columns) == (("r0", "r1"), ("c0", "c1"))


def test_zeros_are_shown() -> None:
    assert labels(figures([[0, 9], [6, 0]])) == [["0", "9", "9"], ["6", "0", "6"], ["6", "9", "15"]]


def test_a_single_small_cell() -> None:
    counts = [[2, 9, 14], [8, 11, 20], [17, 6, 30]]
    table = figures(counts)
    assert table.cells[0][0] == Cell(None, Suppression.small)
    # Its row and its column each give up their smallest other count; row 1 then closes the cycle.
    assert labels(table) == [
        ["< 5", "•", "14", "25"],
        ["•", "•", "20", "39"],
        ["17", "6", "30", "53"],
        ["27", "26", "64", "117"],
    ]
    assert exposed(table, counts) == []


def test_a_row_of_small_cells() -> None:
    counts = [[2, 3, 1], [10, 12, 9], [8, 7, 11]]
    table = figures(counts)
    assert [cell.label for cell in table.cells[0]] == ["< 5", "< 5", "< 5"]
    assert table.row_totals[0] == Cell(6)
    assert exposed(table, counts) == []


def test_one_row_of_two() -> None:
    counts = [[3, 10]]
    table = figures(counts)
    assert table.cells == ((Cell(None, Suppression.small), Cell(None, Suppression.complementary)),)
    assert table.column_totals[0] == Cell(None, Suppression.small)
    assert table.column_totals[1].value is None
    assert exposed(table, counts) == []


def test_one_row_where_the_small_cell_would_follow_from_the_total() -> None:
    # With 1 hidden as 1..4 and 5 as 5 or more, a shown total of 6 would give both away.
    counts = [[1, 5]]
    table = figures(counts)
    assert table.row_totals[0].value is None or table.total.value is None
    assert exposed(table, counts) == []


def test_one_column_of_two() -> None:
    counts = [[3], [10]]
    table = figures(counts)
    assert table.cells == (
        (Cell(None, Suppression.small),),
        (Cell(None, Suppression.complementary),),
    )
    assert table.row_totals[0] == Cell(None, Suppression.small)
    assert exposed(table, counts) == []


def test_one_cell_of_three() -> None:
    table = figures([[3]])
    small = Cell(None, Suppression.small)
    assert (table.cells, table.row_totals, table.column_totals, table.total) == (
        ((small,),),
        (small,),
        (small,),
        small,
    )
    assert exposed(table, [[3]]) == []


def test_one_cell_of_twenty_is_shown() -> None:
    assert labels(figures([[20]])) == [["20", "20"], ["20", "20"]]


def test_bounds_that_pin_a_cycle_get_more_cells_hidden() -> None:
    # Two per line is not enough here (see the checker's own test); the audit hides more.
    counts = [[1, 10], [10, 4]]
    table = figures(counts)
    assert exposed(table, counts) == []
    assert sum(cell.value is None for line in shown(table) for cell in line) > 4


def test_ties_go_to_the_first_cell() -> None:
    table = figures([[2, 9, 9, 20]])
    assert [cell.label for cell in table.cells[0]] == ["< 5", "•", "9", "20"]


def test_four_ones_under_a_small_total_are_the_known_limit() -> None:
    # Four non-zero cells under a total of at most 4 can only be ones, whatever is hidden and
    # whatever "•" is taken to hide: everything already is hidden, as the module docstring says.
    for counts in ([[1, 1, 1, 1]], [[1, 1], [1, 1]]):
        table = figures(counts)
        assert table == hide_everything(counts, len(counts[0]))
        assert exposed(table, counts) == hidden(table)
        assert exposed(table, counts, floor=0) == hidden(table)


def test_four_ones_do_not_spoil_the_rest_of_the_table() -> None:
    counts = [[1, 1, 1, 1], [2, 8, 13, 9], [6, 12, 3, 10]]
    table = figures(counts)
    ones = {(0, 0), (0, 1), (0, 2), (0, 3), (0, 4)}
    assert set(exposed(table, counts)) == ones
    assert set(exposed(table, counts, floor=0)) == ones
    assert table != hide_everything(counts, 4)


def test_a_total_that_small_counts_only_just_reach() -> None:
    # Column 2 holds 3 and 2, the most rows of total 4 (with a 1 beside) and 4 (with 1 and 1)
    # allow; as a "•" it is at least 5, so it is 5 and all the rest follows. Against an observer
    # who reads "•" as any count the table is still protected, so that total stays hidden.
    counts = [[0, 1, 3], [1, 1, 2]]
    table = figures(counts)
    assert exposed(table, counts) == exposed(hide_everything(counts, 3), counts) != []
    assert exposed(table, counts, floor=0) == []
    assert table.column_totals[2] == Cell(None, Suppression.complementary)


# -- random tables -----------------------------------------------------------------------------

SHAPES = list(itertools.product(range(1, 5), range(1, 5)))
TABLES_PER_SHAPE = 60


def random_tables(rows: int, columns: int) -> Iterator[list[list[int]]]:
    chance = random.Random(f"{rows}x{columns}")
    for _ in range(TABLES_PER_SHAPE):
        # Half the counts small or zero, the rest up to 12.
        yield [
            [
                chance.randint(0, 4) if chance.random() < 0.5 else chance.randint(0, 12)
                for _ in range(columns)
            ]
            for _ in range(rows)
        ]


@pytest.mark.parametrize(("rows", "columns"), SHAPES, ids=[f"{r}x{c}" for r, c in SHAPES])
def test_random_tables(rows: int, columns: int) -> None:
    for counts in random_tables(rows, columns):
        table = figures(counts)
        truth = margins(counts, columns)
        for i, line in enumerate(shown(table)):
            for j, cell in enumerate(line):
                # Published counts are the true ones; small ones are hidden, zeros never are.
                assert cell.value in (truth[i][j], None), counts
                assert (cell.reason is Suppression.small) == (0 < truth[i][j] < SMALL_COUNT), counts
                assert truth[i][j] or cell.value == 0, counts
        # No row or column of the table with its margins keeps a lone hidden cell.
        layout = shown(table)
        for line in [*layout, *(list(column) for column in zip(*layout, strict=True))]:
            assert sum(cell.value is None for cell in line) != 1, counts
        # Every hidden count has two possible values, unless hiding everything would not help;
        # for both observers, the one who reads "•" as 5 or more and the one who does not.
        for floor in (SMALL_COUNT, 0):
            if leaks := exposed(table, counts, floor):
                least = hide_everything(counts, columns)
                assert set(leaks) <= set(exposed(least, counts, floor)), (counts, floor)
        assert figures(counts) == table, "the same counts always give the same table"
