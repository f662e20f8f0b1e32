"""The rules of the house that every domain relies on, checked so that a new one cannot skip them."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from litestar import Litestar
from piccolo.table import Table

from portal import domains
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.core.db import NoUnitOfWork, current_unit_of_work, unit_of_work
from portal.core.i18n import LOCALE_DIR, set_locale
from portal.timeline import kinds
from portal.timeline.services import append, on_appended
from portal.timeline.tables import TimelineEvent
from portal.visibility.fields import Structural
from portal.visibility.records import declared_policies
from portal.visibility.scoping import (
    Classified,
    RawRow,
    ScopeError,
    UnprojectedValue,
    assert_projected,
    unscoped,
)
from tests.support.factories import Author, make_client, make_org, make_person

ROOT = Path(__file__).resolve().parents[2]


# Every column of every classified table has a class -----------------------------------------------


def _classified_tables() -> list[type[Table]]:
    return [table for table in domains.tables() if issubclass(table, Classified)]


def test_every_classified_table_has_one_declared_policy() -> None:
    declared = declared_policies()
    registered = {policy.table for domain in domains.DOMAINS for policy in domain.record_policies}
    for table in _classified_tables():
        assert table in declared, f"{table.__name__} has no record policy"
        assert table in registered, f"{table.__name__}'s policy is not in its domain's registry"
    assert set(declared) == set(_classified_tables())


@pytest.mark.parametrize("table", _classified_tables(), ids=lambda table: table.__name__)
def test_every_column_has_a_class(table: type[Table]) -> None:
    policy = declared_policies()[table]
    columns = {column._meta.name for column in table._meta.columns}
    declared = [spec.name for spec in policy.fields]
    assert len(declared) == len(set(declared)), "a column is declared twice"
    assert set(declared) == columns, (
        f"{table.__name__}: undeclared {sorted(columns - set(declared))}, "
        f"declared but absent {sorted(set(declared) - columns)}"
    )


def test_tables_holding_client_data_are_classified() -> None:
    """Every table with a ``client`` column holds client data and must be classified."""
    for table in domains.tables():
        names = {column._meta.name for column in table._meta.columns}
        if names & {"client", "client_id"}:
            assert issubclass(table, Classified), table.__name__


def test_a_row_class_column_needs_a_sensitivity_column() -> None:
    for table, policy in declared_policies().items():
        if any(spec.cls is Structural.row for spec in policy.fields):
            assert "sensitivity" in {c._meta.name for c in table._meta.columns}, table.__name__


# Reads of classified tables fail unless scoped ---------------------------------------------------


@pytest.mark.parametrize(
    "read",
    [
        lambda: Client.select(),
        lambda: Client.count(),
        lambda: Client.exists(),
        lambda: Client.objects(),
        lambda: Client.raw("SELECT 1"),
        lambda: TimelineEvent.select(TimelineEvent.id),
        lambda: Consent.select(),
        lambda: CareTeamMember.count(),
    ],
)
def test_a_classified_table_refuses_an_unscoped_read(read) -> None:
    with pytest.raises(ScopeError, match="visible_to"):
        read()


async def test_unscoped_reads_say_why_and_come_back_raw() -> None:
    ocmw = await make_org("ocmw-u", "ocmw")
    await make_client(ocmw, "U")
    with pytest.raises(ValueError, match="reason"), unscoped(" "):
        pass
    with unscoped("test: a read that needs no viewer"):
        rows = await Client.select(Client.id, Client.first_name)
        count = await Client.count()
        first = await Client.select(Client.id).first()
    assert count == 1 and isinstance(rows[0], RawRow) and isinstance(first, RawRow)
    with pytest.raises(ScopeError):
        Client.select()


def test_templates_refuse_raw_rows_and_table_objects() -> None:
    assert_projected({"items": [1, "a", {"b": (2.0, None)}]})
    with pytest.raises(UnprojectedValue, match=r"context\['rows'\]\[0\]"):
        assert_projected({"rows": [RawRow(id=1)]})
    with pytest.raises(UnprojectedValue):
        assert_projected({"client": Client(ocmw=1, first_name="x")})
    with pytest.raises(UnprojectedValue):
        assert_projected({"table": Client})


async def test_render_refuses_a_raw_row_in_development(app: Litestar) -> None:
    from litestar import Request

    from portal.core.templating import render

    scope = {"type": "http", "litestar_app": app, "path": "/", "headers": [], "method": "GET"}
    request: Request = Request(scope)  # type: ignore[arg-type]
    with pytest.raises(UnprojectedValue):
        render(request, "core/error.html", {"rows": [RawRow(id=1)]})


def test_production_renders_without_the_check(tmp_path: Path) -> None:
    from portal.app import create_app
    from tests.conftest import make_settings
    from tests.support.statements import STATEMENTS

    production = create_app(
        make_settings(
            tmp_path,
            PORTAL_ENV="production",
            PORTAL_SECRET_KEY="x" * 40,
            PORTAL_BASE_URL="https://brug.example",
            PORTAL_OIDC_ISSUER="https://login.example",
            PORTAL_OIDC_CLIENT_ID="brug",
            PORTAL_OIDC_CLIENT_SECRET="secret",
            **STATEMENTS,
        )
    )
    assert production.state.context_check is None


# One write path ----------------------------------------------------------------------------------


async def _event_count() -> int:
    with unscoped("test: counting events"):
        return await TimelineEvent.count()


async def test_effects_run_after_commit_only(monkeypatch: pytest.MonkeyPatch) -> None:
    ocmw = await make_org("ocmw-w", "ocmw")
    person = await make_person("sw.w", ocmw, "social_worker")
    client_id = await make_client(ocmw, "W")
    seen: list[tuple[int, int]] = []

    async def listener(appended) -> None:
        seen.append((appended.client_id, await _event_count()))

    monkeypatch.setattr("portal.timeline.services._listeners", [])
    on_appended(listener)
    async with unit_of_work() as unit:
        await append(client_id, "note.added", actor=Author(person, ocmw), payload={"subject": "a"})
        async with unit_of_work() as inner:
            assert inner is unit, "a unit of work inside another joins it"
            await append(client_id, "note.added", actor=Author(person, ocmw))
        assert seen == [], "nothing runs before the commit"
    assert seen == [(client_id, 2), (client_id, 2)], "after the commit both events are stored"

    with pytest.raises(RuntimeError, match="boom"):
        async with unit_of_work():
            await append(client_id, "note.added", actor=Author(person, ocmw))
            raise RuntimeError("boom")
    assert len(seen) == 2, "a rolled-back unit of work runs no effect"
    assert await _event_count() == 2, "and writes nothing"


async def test_a_failing_effect_does_not_undo_the_write(caplog: pytest.LogCaptureFixture) -> None:
    ocmw = await make_org("ocmw-e", "ocmw")
    person = await make_person("sw.e", ocmw, "social_worker")
    client_id = await make_client(ocmw, "E")

    def broken() -> None:
        raise RuntimeError("mail server down")

    async with unit_of_work() as unit:
        await append(client_id, "note.added", actor=Author(person, ocmw))
        unit.after_commit(broken)
    assert await _event_count() == 1
    assert "after-commit effect" in caplog.text


async def test_events_are_written_only_inside_a_unit_of_work() -> None:
    ocmw = await make_org("ocmw-n", "ocmw")
    person = await make_person("sw.n", ocmw, "social_worker")
    client_id = await make_client(ocmw, "N")
    with pytest.raises(NoUnitOfWork):
        await append(client_id, "note.added", actor=Author(person, ocmw))
    with pytest.raises(NoUnitOfWork):
        current_unit_of_work()
    with pytest.raises(kinds.UnknownEventKind):
        async with unit_of_work():
            await append(client_id, "no.such.code", actor=Author(person, ocmw))


async def test_an_events_class_comes_from_its_code_unless_a_person_wrote_it() -> None:
    from portal.timeline.services import ClassNotChosen
    from portal.visibility.policy import Sensitivity

    ocmw = await make_org("ocmw-c", "ocmw")
    person = await make_person("sw.c", ocmw, "social_worker")
    client_id = await make_client(ocmw, "C")
    with pytest.raises(ClassNotChosen):
        async with unit_of_work():
            await append(
                client_id,
                "client.registered",
                actor=Author(person, ocmw),
                sensitivity=Sensitivity.health,
            )
    async with unit_of_work():
        await append(
            client_id, "note.added", actor=Author(person, ocmw), sensitivity=Sensitivity.health
        )
    with unscoped("test: the stored class"):
        stored = await TimelineEvent.select(TimelineEvent.sensitivity).first()
    assert stored["sensitivity"] == "health"


_RAW_WRITE = re.compile(r'(UPDATE|INSERT INTO|DELETE FROM)\s+"?timeline_event\b', re.IGNORECASE)


def _writes_of(table: str, path: Path) -> list[int]:
    """Lines in ``path`` that construct ``table`` rows or call its write methods, or write
    ``timeline_event`` in SQL of their own."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _RAW_WRITE.search(node.value)
        ):
            found.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == table:
                found.append(node.lineno)
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == table
                and func.attr in ("insert", "update", "delete", "raw")
            ):
                found.append(node.lineno)
    return found


ERASER = "portal/retention/services.py"
"""The one other writer of entries: retention erases their text and free-text details past the
retention period, and appends none."""


def test_only_timeline_append_writes_events() -> None:
    """Entries are appended by ``timeline.append`` and changed only by the timeline's own
    functions (a transfer leaving entries behind) and by retention's erasing."""
    writer = ROOT / "portal" / "timeline" / "services.py"
    assert _writes_of("TimelineEvent", writer), "the writer itself must be found by this check"
    others = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "portal").rglob("*.py")
        if path != writer and (lines := _writes_of("TimelineEvent", path))
    }
    assert set(others) == {ERASER}, others


# Event codes: declared once, each with a readable line in both languages --------------------------


def test_every_installed_kind_is_declared_by_a_domain() -> None:
    declared = [kind.code for domain in domains.DOMAINS for kind in domain.event_kinds]
    assert len(declared) == len(set(declared))
    assert set(declared) == set(kinds.installed())
    for code in declared:
        assert code.count(".") == 1, f"{code} is not namespaced (domain.action)"


def test_every_kind_reads_in_dutch() -> None:
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for kind in kinds.installed().values():
        for message in (kind.label, kind.headline):
            if re.sub(r"%\(\w+\)s", "", message).strip():
                entry = catalog.get(message)
                assert entry is not None and entry.string, f"no Dutch for {message!r}"


def test_a_line_is_made_in_the_readers_language() -> None:
    payload = {"step_from": 2, "step_to": 3}
    try:
        set_locale("en")
        english = kinds.describe("ladder.changed", payload)
        set_locale("nl")
        dutch = kinds.describe("ladder.changed", payload)
    finally:
        set_locale("nl")
    assert english == "Participation ladder: step 2 → 3"
    assert dutch == "Participatieladder: trede 2 → 3"
    assert kinds.describe("training.gone", {"subject": "Oude regel"}) == "Oude regel"
    assert kinds.describe("ladder.changed", {}) == kinds.kind_label("ladder.changed")


async def test_recent_activity_reaches_every_client(client: httpx.AsyncClient) -> None:
    """The start page's activity is scoped in SQL: the newest readable events of any client."""
    from tests.conftest import login
    from tests.support.factories import NOW, add_event

    ocmw = await make_org("ocmw-h", "ocmw")
    worker = await make_person("sw.h", ocmw, "social_worker")
    ids = [await make_client(ocmw, f"H{i:02d}") for i in range(13)]
    for index, client_id in enumerate(ids):
        await add_event(
            client_id,
            author=worker,
            author_org=ocmw,
            subject=f"activity-{index:02d}",
            occurred_at=NOW + dt.timedelta(minutes=index),
        )
    await login(client, "sw.h")
    home = (await client.get("/")).text
    for index in range(3, 13):
        assert f"activity-{index:02d}" in home
    assert "activity-02" not in home, "ten newest only"
