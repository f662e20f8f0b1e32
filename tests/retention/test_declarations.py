"""Every text column of a table whose rows belong to a client file is either cleared by retention
or kept on purpose (``portal/retention/services.py``), and every kind of timeline entry says
which details of it stay: a new column or kind fails here until someone decides."""

from __future__ import annotations

import pytest
from piccolo.columns import JSON, Text, Varchar
from piccolo.table import Table

from portal import domains
from portal.clients.tables import Client
from portal.retention.services import CLEARED, KEPT, PAYLOAD_KEPT
from portal.timeline import kinds
from portal.timeline.tables import TimelineEvent

REDUCED = {(TimelineEvent, "payload")}
"""Columns retention neither clears nor keeps whole: an entry's details lose their free text."""


def _files_tables() -> list[type[Table]]:
    """The client table, every table with a ``client`` (or ``client_id``) column, and every table
    that refers to one of those: their rows belong to a file."""
    bound: set[type[Table]] = {Client}
    grew = True
    while grew:
        grew = False
        for table in domains.tables():
            if table in bound:
                continue
            names = {column._meta.name for column in table._meta.columns}
            targets = {
                column._foreign_key_meta.resolved_references
                for column in table._meta.foreign_key_columns
            }
            if names & {"client", "client_id"} or targets & bound:
                bound.add(table)
                grew = True
    return sorted(bound, key=lambda table: table._meta.tablename)


def _text_columns(table: type[Table]) -> set[str]:
    return {
        column._meta.name
        for column in table._meta.columns
        if isinstance(column, Varchar | Text | JSON)
    }


def _declared(table: type[Table]) -> tuple[set[str], set[str]]:
    cleared = {name for item in CLEARED if item.table is table for name in item.columns}
    kept = {name for item in KEPT if item.table is table for name in item.columns}
    return cleared, kept


@pytest.mark.parametrize("table", _files_tables(), ids=lambda table: table._meta.tablename)
def test_every_text_column_of_a_files_table_is_cleared_or_kept(table: type[Table]) -> None:
    cleared, kept = _declared(table)
    reduced = {name for owner, name in REDUCED if owner is table}
    assert not cleared & kept, f"{table.__name__}: both cleared and kept: {cleared & kept}"
    undecided = _text_columns(table) - cleared - kept - reduced
    assert undecided == set(), (
        f"{table.__name__}: say in portal/retention/services.py whether retention clears"
        f" {sorted(undecided)} (CLEARED) or keeps them (KEPT, with why)"
    )


def test_the_declarations_name_columns_of_a_files_tables() -> None:
    bound = set(_files_tables())
    for item in (*CLEARED, *KEPT):
        assert item.table in bound, item.table.__name__
        names = {column._meta.name for column in item.table._meta.columns}
        assert set(item.columns) <= names, (item.table.__name__, set(item.columns) - names)


def test_every_kind_of_entry_says_which_details_stay() -> None:
    installed = set(kinds.installed())
    assert installed - set(PAYLOAD_KEPT) == set(), "kinds retention does not know"
    assert set(PAYLOAD_KEPT) - installed == set(), "kinds no domain declares any more"
