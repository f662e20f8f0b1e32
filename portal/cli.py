"""The ``portal`` command: serve, migrate, demo, check."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from portal.settings import ConfigError, Settings, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    """The validated settings; only then is the database engine (and every domain) loaded."""
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"portal: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    import portal.domains  # noqa: F401 (installs event kinds and record policies)

    return settings


async def _migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(result.message)


def migrate(_args: argparse.Namespace) -> int:
    _settings()
    asyncio.run(_with_db(_migrate()))
    print("portal: migrations applied")
    return 0


def add_organisation(args: argparse.Namespace) -> int:
    """The first organisation(s) of a new installation, so that its first admin can log in."""
    from portal.admin.forms import OrganisationForm
    from portal.admin.services import save_organisation

    _settings()
    form = OrganisationForm(name=args.name, code=args.code, kind=args.kind)
    errors = asyncio.run(_with_db(save_organisation(form)))
    if errors:
        problems = "; ".join(f"{field}: {message}" for field, message in errors.items())
        print(f"portal: organisation not added: {problems}", file=sys.stderr)
        return 1
    print(f"portal: organisation {args.code} ({args.kind}) added")
    return 0


def demo(_args: argparse.Namespace) -> int:
    from portal.app import document_store
    from portal.demo import load_demo

    settings = _settings()
    store = document_store(settings)
    store.prepare()
    summary = asyncio.run(_with_db(load_demo(store)))
    print(f"portal: demo data ready ({summary})")
    return 0


async def _with_db(work: Coroutine[Any, Any, T]) -> T:
    from portal.core import db

    await db.start()
    try:
        return await work
    finally:
        await db.stop()


async def _check(settings: Settings) -> None:
    from portal.app import document_store, storage_variable
    from portal.core import db
    from portal.core.storage import StorageUnavailable

    try:
        await db.ping()
    except Exception as error:
        raise ConfigError("PORTAL_DATABASE_URL", f"database unreachable: {error}") from None
    try:
        document_store(settings).check()
    except StorageUnavailable as error:
        raise ConfigError(storage_variable(settings), f"document store: {error}") from None
    if settings.session.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.session.redis_url)
        try:
            await client.ping()
        except Exception as error:
            raise ConfigError("PORTAL_REDIS_URL", f"Redis unreachable: {error}") from None
        finally:
            await client.aclose()
    if settings.oidc:
        from portal.accounts.oidc import LoginFailed, OidcClient

        try:
            await OidcClient(settings.oidc).check()
        except LoginFailed as error:
            raise ConfigError("PORTAL_OIDC_ISSUER", f"identity provider: {error}") from None


def check(_args: argparse.Namespace) -> int:
    settings = _settings()
    try:
        asyncio.run(_check(settings))
    except ConfigError as error:
        print(f"portal: check failed: {error}", file=sys.stderr)
        return 1
    print("portal: configuration, database, document store and identity provider are fine")
    return 0


async def _sweep(settings: Settings, older_than: float) -> int:
    import datetime as dt

    from portal.app import document_store
    from portal.documents.sweep import sweep

    report = await sweep(document_store(settings), older_than=dt.timedelta(seconds=older_than))
    for orphan in report.removed:
        written = f"{orphan.modified:%Y-%m-%d %H:%M} UTC"
        print(f"removed {orphan.key} ({orphan.size} bytes, written {written})")
    print(
        f"portal: documents sweep removed {len(report.removed)} orphan(s);"
        f" {report.kept} object(s) belong to a document, {report.young} are too recent to judge"
    )
    return 0


def documents_sweep(args: argparse.Namespace) -> int:
    """Remove objects no document names, written more than ``--older-than`` seconds ago."""
    settings = _settings()
    return asyncio.run(_with_db(_sweep(settings, args.older_than)))


async def _digest(settings: Settings) -> int:
    from portal.notifications.digest import send

    assert settings.smtp is not None
    report = await send(settings.smtp, settings.base_url)
    print(
        f"portal: digest sent to {report.sent} person(s); {report.nothing_new} had nothing new,"
        f" {report.sent_today} had today's already, {len(report.refused)} address(es) refused"
    )
    return 1 if report.refused else 0


def digest_send(_args: argparse.Namespace) -> int:
    """E-mail each person who chose the daily digest how many new items wait (no content)."""
    settings = _settings()
    if settings.smtp is None:
        print("portal: PORTAL_SMTP_HOST is not set: no digest can be sent", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_with_db(_digest(settings)))
    except OSError as error:
        print(f"portal: digest not sent, SMTP server unreachable: {error}", file=sys.stderr)
        return 1


async def _verify(key: str) -> int:
    from portal.audit.chain import verify

    result = await verify(key)
    if result.broken is not None:
        print(f"portal: the access log is broken: {result.broken}", file=sys.stderr)
        return 1
    print(f"portal: the access log holds: {result.chains} chain(s), {result.entries} entries")
    return 0


def audit_verify(_args: argparse.Namespace) -> int:
    """Walk every chain of the access log; name the first broken link."""
    settings = _settings()
    return asyncio.run(_with_db(_verify(settings.audit_key)))


async def _prune(settings: Settings) -> int:
    import datetime as dt

    from portal.audit.chain import prune

    days = settings.audit_retention_days
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    result = await prune(settings.audit_key, before)
    print(
        f"portal: removed {result.entries} access-log entries older than {days} days"
        f" (before {before:%Y-%m-%d %H:%M} UTC) from {result.chains} chain(s);"
        " each chain keeps a signed checkpoint of where it now starts"
    )
    return 0


def audit_prune(_args: argparse.Namespace) -> int:
    """Remove access-log entries older than PORTAL_AUDIT_RETENTION_DAYS."""
    settings = _settings()
    return asyncio.run(_with_db(_prune(settings)))


async def _retention(settings: Settings, dry_run: bool) -> int:
    from portal.app import document_store
    from portal.retention.services import describe, run

    years = settings.retention.closed_years
    report = await run(document_store(settings), years, dry_run=dry_run)
    print(
        f"portal: retention of files closed more than {years} years ago"
        f" (before {report.cutoff:%Y-%m-%d %H:%M} UTC)"
        + ("; a dry run, nothing is changed" if dry_run else "")
    )
    for item in report.files:
        print(describe(item))
    for failure in report.failed:
        print(
            f"file {failure.file_id}: document {failure.document} not deleted from the store"
            f" ({failure.error}); the next run deletes it"
        )
    summary = (
        f"portal: {'would anonymise' if dry_run else 'anonymised'} {len(report.files)} file(s)"
    )
    if report.retried:
        summary += f"; deleted {report.retried} document object(s) an earlier run could not"
    if report.pending:
        summary += f"; {report.pending} document object(s) still to delete"
    print(summary)
    return 1 if report.failed else 0


def retention_run(args: argparse.Namespace) -> int:
    """Anonymise the files closed longer ago than PORTAL_RETENTION_CLOSED_YEARS."""
    settings = _settings()
    return asyncio.run(_with_db(_retention(settings, args.dry_run)))


def serve(args: argparse.Namespace) -> int:
    """Serve with uvicorn, which finishes in-flight requests and stops on SIGTERM or SIGINT.

    ``ServeConfig`` bounds the time and size of a request's head and keeps query strings out of
    the access log. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` count only from the peers in
    ``PORTAL_TRUSTED_PROXIES``; from anyone else (and when it is empty) the peer's own address
    is the client's.
    """
    if args.forwarded_allow_ips is not None:
        print(
            "portal: --forwarded-allow-ips is gone: name the proxies in PORTAL_TRUSTED_PROXIES",
            file=sys.stderr,
        )
        return 2
    settings = _settings()
    from portal.app import create_app
    from portal.core.serving import ServeConfig, ServeServer

    try:
        app = create_app(settings)
    except ConfigError as error:
        print(f"portal: configuration error: {error}", file=sys.stderr)
        return 2
    config = ServeConfig(
        app,
        host=args.host,
        port=args.port,
        workers=None,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        server_header=False,
        timeout_graceful_shutdown=8,
        log_level=args.log_level,
        access_log=args.access_log,
        lifespan="on",
    )
    # uvicorn shuts down gracefully on these signals, then re-raises them on itself so the
    # previous handler runs; an ignoring handler there lets the process exit with status 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _ignore_signal)
    ServeServer(config).run()
    return 0


def _ignore_signal(_signum: int, _frame: object) -> None:
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="Brug portal")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve the portal over HTTP")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--log-level", default="info")
    serve_parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    # Replaced by PORTAL_TRUSTED_PROXIES; still recognised, to refuse it with a clear line.
    serve_parser.add_argument("--forwarded-allow-ips", default=None, help=argparse.SUPPRESS)
    serve_parser.set_defaults(handler=serve)

    commands.add_parser("migrate", help="apply all database migrations").set_defaults(
        handler=migrate
    )
    commands.add_parser("demo", help="load the demo data (idempotent)").set_defaults(handler=demo)
    add_org = commands.add_parser(
        "add-organisation", help="add an organisation; its code is what the org claim carries"
    )
    add_org.add_argument("code")
    add_org.add_argument("kind", choices=["ocmw", "vdab", "partner"])
    add_org.add_argument("name")
    add_org.set_defaults(handler=add_organisation)
    commands.add_parser(
        "check", help="validate configuration, reach the database and document store"
    ).set_defaults(handler=check)
    documents = commands.add_parser("documents", help="the document store").add_subparsers(
        dest="documents_command", required=True
    )
    sweep = documents.add_parser(
        "sweep", help="remove stored objects no document names (orphans older than an hour)"
    )
    sweep.add_argument("--older-than", type=float, default=3600.0, metavar="SECONDS")
    sweep.set_defaults(handler=documents_sweep)
    digest = commands.add_parser("digest", help="the e-mail digest").add_subparsers(
        dest="digest_command", required=True
    )
    digest.add_parser(
        "send", help="e-mail who chose it how many new items wait in their inbox (once a day)"
    ).set_defaults(handler=digest_send)
    audit = commands.add_parser("audit", help="the access log").add_subparsers(
        dest="audit_command", required=True
    )
    audit.add_parser(
        "verify", help="check every chain of the access log; exit 1 and name the first broken link"
    ).set_defaults(handler=audit_verify)
    audit.add_parser(
        "prune", help="remove entries older than PORTAL_AUDIT_RETENTION_DAYS, keep a checkpoint"
    ).set_defaults(handler=audit_prune)
    retention = commands.add_parser("retention", help="retention of closed files").add_subparsers(
        dest="retention_command", required=True
    )
    retention_parser = retention.add_parser(
        "run",
        help="anonymise files closed longer ago than PORTAL_RETENTION_CLOSED_YEARS; report counts",
    )
    retention_parser.add_argument(
        "--dry-run", action="store_true", help="report what would be removed, change nothing"
    )
    retention_parser.set_defaults(handler=retention_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
