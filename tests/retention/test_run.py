"""Retention anonymises exactly the files closed longer ago than the period and leaves the figures
unchanged: of a file closed eleven years ago nothing distinctive is left in any table nor its
documents in the S3 store; files closed nine years ago or yesterday, open files and everything
else stay byte for byte; the deletion log holds counts only; a second run does nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from portal.core.storage.local import LocalDocumentStore
from portal.retention import services
from portal.retention.services import FIRST_NAME, cutoff_for, run
from portal.retention.tables import RetentionObject
from tests.retention.seeding import (
    RETENTION_TABLES,
    add_file,
    changed_rows,
    figures,
    mentions,
    retention_world,
    rows_of_file,
    snapshot,
    sql,
)
from tests.support.s3 import S3Bucket

NOW = dt.datetime.now(dt.UTC)
OLD, NINE, OPEN, RECENT = "RTOLDFILE", "RTNINEYEARS", "RTOPENFILE", "RTYESTERDAY"
CLOSED = {
    OLD: cutoff_for(NOW, 11),
    NINE: cutoff_for(NOW, 9),
    OPEN: None,
    RECENT: NOW - dt.timedelta(days=1),
}

KEPT_FIELDS = (
    "ocmw",
    "file_holder",
    "municipality",
    "ladder_step",
    "status",
    "living_wage_start",
    "agreement_note_on",
    "created_at",
    "closed_at",
    "closed_reason",
)


def _keys(bucket: S3Bucket) -> set[str]:
    return {
        item.object_name
        for item in bucket.client.list_objects(bucket.name, recursive=True)
        if item.object_name is not None
    }


async def test_retention_anonymises_exactly_the_files_past_the_period(
    s3_bucket: S3Bucket,
) -> None:
    store = s3_bucket.store()
    world = await retention_world()
    ids = {tag: await add_file(world, store, tag, closed=closed) for tag, closed in CLOSED.items()}
    old = ids[OLD]
    assert {m.split(".")[0] for m in await mentions(OLD)} >= {
        "client",
        "timeline_event",
        "document",
        "question",
        "question_change",
        "signal",
        "signal_change",
        "training_request",
        "invitation",
        "intake_answer",
        "placement",
        "review_item",
    }, "the seeding reaches every kind of record (else the scan below proves nothing)"
    owned = await rows_of_file(old)
    old_documents = await sql(
        "SELECT id, object_key, size FROM document WHERE id IN ("
        + ", ".join(str(row_id) for table, row_id in owned if table == "document")
        + ")"
    )
    assert len(old_documents) == 3
    old_keys = {row["object_key"] for row in old_documents}
    stored = _keys(s3_bucket)
    assert old_keys < stored
    before, figures_before = await snapshot(), await figures()
    client_before = before["client"][old]

    dry = await run(store, 10, dry_run=True, now=NOW)
    assert [item.file_id for item in dry.files] == [old]
    assert await snapshot() == before and _keys(s3_bucket) == stored, "a dry run changes nothing"

    report = await run(store, 10, now=NOW)
    assert [item.file_id for item in report.files] == [old]
    assert report.files[0].removed == dry.files[0].removed, "the dry run reported the same"
    assert (report.failed, report.pending, report.retried) == ([], 0, 0)

    assert await mentions(OLD) == [], "nothing distinctive of the old file is left anywhere"
    for tag in (NINE, OPEN, RECENT):
        assert await mentions(tag), tag
    after = await snapshot()
    changed = changed_rows(before, after)
    outside = {row for row in changed if row[0] not in RETENTION_TABLES} - owned
    assert outside == set(), "only the old file's rows change"
    assert await figures() == figures_before, "the figures are the same"
    assert _keys(s3_bucket) == stored - old_keys, "its objects, and only those, are gone"

    client = after["client"][old]
    assert {name: client[name] for name in KEPT_FIELDS} == {
        name: client_before[name] for name in KEPT_FIELDS
    }
    assert (client["first_name"], client["last_name"]) == (FIRST_NAME, f"#{old}")
    assert client["birth_date"] is None and client["anonymised_at"] is not None
    documents = [after["document"][row["id"]] for row in old_documents]
    assert all(d["deleted_at"] is not None for d in documents)
    assert {(d["name"], d["delete_reason"]) for d in documents} == {("", "retention")}
    payloads = {
        row["kind"]: json.loads(row["payload"])
        if isinstance(row["payload"], str)
        else row["payload"]
        for row in after["timeline_event"].values()
        if row["client"] == old
    }
    assert payloads["ladder.changed"] == {"step_from": 2, "step_to": 3}
    assert payloads["note.added"] == {} and payloads["training.requested"] == {}
    assert payloads["file.closed"] == {"reason": "other"}
    assert payloads["question.answered"]["answer"] == "yes"

    log = await sql("SELECT * FROM retention_deletion")
    assert len(log) == 1 and log[0]["file"] == old and log[0]["years"] == 10
    removed = (
        json.loads(log[0]["removed"]) if isinstance(log[0]["removed"], str) else log[0]["removed"]
    )
    assert removed == report.files[0].removed.as_json()
    assert removed["fields"] == 11
    assert removed["documents"] == 3
    assert removed["bytes"] == sum(row["size"] for row in old_documents)
    assert removed["event_texts"] >= 4 and removed["payload_values"] >= 6
    assert {
        "question.text",
        "question_change.text",
        "signal.title",
        "signal_change.text",
        "document.name",
        "document.delete_reason",
        "training_request.note",
        "placement.work_site",
        "review_item.reason",
    } <= set(removed["texts"])
    assert all(isinstance(count, int) for count in removed["texts"].values())

    again = await run(store, 10, now=NOW)
    assert again.files == [] and await snapshot() == after, "a second run does nothing"


class _FailingDeletes(LocalDocumentStore):
    """A folder store whose deletes fail (the store was down when the commit came)."""

    def delete(self, key: str) -> None:
        raise OSError("the store is down")


async def test_a_failed_delete_is_reported_and_done_by_the_next_run(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path / "documents")
    store.prepare()
    world = await retention_world()
    old = await add_file(world, store, OLD, closed=CLOSED[OLD])
    keys = {item.key for item in store.objects()}
    assert len(keys) == 3

    failing = _FailingDeletes(tmp_path / "documents")
    report = await run(failing, 10, now=NOW)
    assert [item.file_id for item in report.files] == [old]
    assert len(report.failed) == 3 and report.pending == 3
    assert {failure.file_id for failure in report.failed} == {old}
    assert {item.key for item in store.objects()} == keys, "the bytes are still there"
    owed = await sql("SELECT attempts, last_error FROM retention_object")
    assert [(row["attempts"], row["last_error"]) for row in owed] == [
        (1, "OSError: the store is down")
    ] * 3
    assert await mentions(OLD) == [], "the file itself is anonymised all the same"

    report = await run(store, 10, now=NOW)
    assert report.files == [] and (report.retried, report.pending, report.failed) == (3, 0, [])
    assert list(store.objects()) == []


class _CountingDeletes(LocalDocumentStore):
    deleted: list[str]

    def delete(self, key: str) -> None:
        self.deleted.append(key)
        super().delete(key)


async def test_a_failed_transaction_keeps_every_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unit fails at its last statement (the second object owed): nothing of it stays, and
    no object was deleted from the store, not even the first."""
    store = _CountingDeletes(tmp_path / "documents")
    store.deleted = []
    store.prepare()
    world = await retention_world()
    await add_file(world, store, OLD, closed=CLOSED[OLD])
    keys = {item.key for item in store.objects()}
    before = await snapshot()
    insert = RetentionObject.insert
    calls = []

    def insert_then_fail(*rows: RetentionObject) -> object:
        calls.append(rows)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return insert(*rows)

    monkeypatch.setattr(RetentionObject, "insert", insert_then_fail)
    with pytest.raises(RuntimeError):
        await run(store, 10, now=NOW)
    assert len(calls) == 2
    assert await snapshot() == before, "everything rolled back"
    assert store.deleted == [] and {item.key for item in store.objects()} == keys


async def test_a_file_reopened_after_the_files_were_listed_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalDocumentStore(tmp_path / "documents")
    store.prepare()
    world = await retention_world()
    old = await add_file(world, store, OLD, closed=CLOSED[OLD])
    listed = await services.past_period(cutoff_for(NOW, 10))
    assert [file_id for file_id, _ in listed] == [old]
    await sql("UPDATE client SET closed_at = NULL, closed_reason = '' WHERE id = {}", old)

    async def stale(_cutoff: dt.datetime) -> list[tuple[int, dt.datetime]]:
        return listed

    monkeypatch.setattr(services, "past_period", stale)
    report = await run(store, 10, now=NOW)
    assert report.files == [] and await mentions(OLD)
    assert await sql("SELECT id FROM retention_deletion") == []
