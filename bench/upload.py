"""``make bench-upload``: document uploads to the S3 store, against the ``minio`` client's own
``fput_object`` of the same file to the same server, measured in the same run.

Steps: write a 10 MiB and a 1 GiB file (deterministic random bytes behind ``%PDF-1.4``) to a
temporary folder; start a SeaweedFS S3 server (``weed mini``); recreate the PostgreSQL database
``brug_bench_upload``; ``portal migrate``; seed one social worker and one client file of theirs
through the portal's services (``bench.seed --uploads``); write a session for the social worker
straight into Redis (production has no development login). Then, per round and per size: the
baseline (``fput_object``, 8 MiB parts, also with the parts one at a time for information) and a
**fresh** ``portal serve`` (``PORTAL_ENV=production``) that takes a small warm-up upload and then
the measured one, streamed from disk by httpx; its peak RSS (``VmHWM``) is read from ``/proc``
afterwards. Every upload must answer 303 and the stored object must have the file's size and
SHA-256. Prints a table, saves the raw figures under ``bench/results/`` and rewrites "## Latest
upload results" in ``bench/README.md``.

Options: ``--rounds``, ``--no-readme``, ``--sizes`` (MiB, for trying things out).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import importlib.metadata
import json
import random
import re
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import urllib3
from minio import Minio

from bench.run import (
    ADMIN_DSN,
    README,
    RESULTS_DIR,
    ROOT,
    BenchError,
    Context,
    _recreate_database,
    _write_session,
    bench_context,
    machine,
    portal_env,
    process_cpu_s,
    say,
    stop,
)
from portal.core.storage.s3 import PART_SIZE
from portal.testing.processes import (
    BIN,
    PortalServer,
    ProcessError,
    SeaweedServer,
    checked,
    free_port,
    run_command,
    run_portal_ok,
)

MIB = 1024 * 1024
DB_NAME = "brug_bench_upload"
DATABASE_URL = ADMIN_DSN.rsplit("/", 1)[0] + f"/{DB_NAME}"
BUCKET = "brug-bench"
UPLOAD_MAX_MB = 1100
SIZES_MIB = (10, 1024)
WARMUP_BYTES = 256 * 1024
CLIENT_CHUNK = MIB
"""Bytes the client reads from disk and sends per write."""
WRITE_CHUNK = MIB
PDF_HEAD = b"%PDF-1.4\n"
ROUNDS = 3
UPLOAD_TIMEOUT = 600.0
TARGET_RSS_GROWTH_MIB = 32.0  # peak RSS, largest file − smallest file, at most
TARGET_THROUGHPUT_RATIO = 0.7  # portal MiB/s ÷ fput_object MiB/s for the largest file, at least
TARGETS = ("fput", "fput-serial", "portal")
"""``fput``: ``fput_object`` with 8 MiB parts and its default of 3 parts in flight (the baseline
of the verdict); ``fput-serial``: the same with one part at a time, as the portal sends them."""

LATEST_HEADING = "## Latest upload results"


# --- files and the multipart body --------------------------------------------------------------


def size_label(size: int) -> str:
    return f"{size // 1024 // MIB} GiB" if size >= 1024 * MIB else f"{size // MIB} MiB"


def write_file(path: Path, size: int, seed: int) -> str:
    """``size`` random-looking bytes (the same for the same seed) behind ``%PDF-1.4``, written a
    MiB at a time; their SHA-256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    written = 0
    with path.open("wb") as handle:
        while written < size:
            count = min(WRITE_CHUNK, size - written)
            if written == 0:
                chunk = PDF_HEAD + rng.randbytes(count - len(PDF_HEAD))
            else:
                chunk = rng.randbytes(count)
            handle.write(chunk)
            digest.update(chunk)
            written += count
    return digest.hexdigest()


@dataclass(frozen=True)
class BenchFile:
    path: Path
    size: int
    sha256: str

    @property
    def label(self) -> str:
        return size_label(self.size)


@dataclass(frozen=True)
class MultipartUpload:
    """The upload form as a browser sends it: ``csrf_token``, ``audience``, ``category``, then
    the file; the body is produced as it is sent, the file read from disk a MiB at a time."""

    file: BenchFile
    csrf: str
    boundary: str = "brug-bench-" + secrets.token_hex(12)

    def _head(self) -> bytes:
        parts = [
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in (
                ("csrf_token", self.csrf),
                ("audience", "care_team"),
                ("category", "cv"),
            )
        ]
        parts.append(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{self.file.path.name}"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        return "".join(parts).encode()

    def _tail(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def length(self) -> int:
        return len(self._head()) + self.file.size + len(self._tail())

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def chunks(self) -> Iterator[bytes]:
        yield self._head()
        with self.file.path.open("rb") as handle:
            while chunk := handle.read(CLIENT_CHUNK):
                yield chunk
        yield self._tail()


# --- measuring ---------------------------------------------------------------------------------


def memory_mib(pid: int) -> dict[str, float]:
    """``VmHWM`` (peak resident set) and ``VmRSS`` of a process, in MiB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)  # kB
    if len(values) != 2:
        raise BenchError(f"/proc/{pid}/status lacks VmHWM or VmRSS")
    return values


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def throughput(size: int, seconds: float) -> float:
    return size / MIB / seconds


def store_client(weed: SeaweedServer) -> Minio:
    """A ``minio`` client like the portal's data client: same timeouts, a pool of 10."""
    return Minio(
        weed.endpoint,
        access_key=weed.access_key,
        secret_key=weed.secret_key,
        secure=False,
        http_client=urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3, read=30), retries=False, maxsize=10
        ),
    )


def check_object(client: Minio, key: str, file: BenchFile) -> None:
    stat = client.stat_object(BUCKET, key)
    if stat.size != file.size:
        raise BenchError(f"object {key}: {stat.size} bytes stored, not {file.size}")


def measure_fput(client: Minio, file: BenchFile, parallel: int, key: str) -> dict[str, Any]:
    cpu = time.process_time()
    started = time.perf_counter()
    client.fput_object(
        BUCKET,
        key,
        str(file.path),
        content_type="application/pdf",
        part_size=PART_SIZE,
        num_parallel_uploads=parallel,
    )
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu
    check_object(client, key, file)
    client.remove_object(BUCKET, key)
    return {
        "seconds": round(seconds, 3),
        "mib_per_s": round(throughput(file.size, seconds), 1),
        "client_cpu_s": round(client_cpu, 2),
        "part_size": PART_SIZE,
        "num_parallel_uploads": parallel,
    }


@dataclass
class Measurement:
    target: str
    size: int
    round: int
    figures: dict[str, Any]


@dataclass
class World:
    ctx: Context
    store: Minio
    env: dict[str, str]
    client_id: int
    cookie: str
    csrf: str
    warmup: BenchFile


async def _newest_document() -> dict[str, Any] | None:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        row = await conn.fetchrow(
            "SELECT id, object_key, size, sha256, content_type FROM document "
            "ORDER BY id DESC LIMIT 1"
        )
        return dict(row) if row is not None else None
    finally:
        await conn.close()


def post_upload(http: httpx.Client, url: str, world: World, file: BenchFile) -> tuple[float, float]:
    """POST the file to the upload route; the wall time and the client's CPU time, once it
    answered 303 to the client file, its row has the file's size, hash and type, and the bucket
    holds an object of that size under the row's key."""
    body = MultipartUpload(file, world.csrf)
    before = asyncio.run(_newest_document())
    cpu = time.process_time()
    started = time.perf_counter()
    response = http.post(
        url,
        content=body.chunks(),
        headers={
            "Cookie": world.cookie,
            "Content-Type": body.content_type,
            "Content-Length": str(body.length),
        },
    )
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu
    if response.status_code != 303:
        raise BenchError(
            f"upload of {file.label} answered {response.status_code}, not 303:\n"
            f"{response.text[:2000]}"
        )
    location = response.headers.get("location", "")
    if "done=document" not in location:
        raise BenchError(f"upload of {file.label} redirected to {location!r}")
    row = asyncio.run(_newest_document())
    if row is None or (before is not None and row["id"] == before["id"]):
        raise BenchError(f"upload of {file.label} answered 303 but wrote no document row")
    if (row["size"], row["sha256"], row["content_type"]) != (
        file.size,
        file.sha256,
        "application/pdf",
    ):
        raise BenchError(f"upload of {file.label}: the row says {row}, not the file sent")
    check_object(world.store, row["object_key"], file)
    return seconds, client_cpu


def measure_portal(world: World, file: BenchFile) -> dict[str, Any]:
    """A fresh ``portal serve``: one warm-up upload, then ``file``; its memory and CPU."""
    portal = PortalServer(
        world.env, free_port(), "--no-access-log", "--log-level", "warning", cwd=ROOT
    )
    world.ctx.servers.append(portal.start())
    try:
        portal.wait_until_healthy()
        # ``portal serve`` runs uvicorn in its own process (no worker processes): that process
        # is the one that serves, and the one to read the peak RSS of.
        if children := child_pids(portal.pid):
            raise BenchError(f"portal serve ({portal.pid}) has child processes {children}")
        started = memory_mib(portal.pid)
        url = f"{portal.url}/clients/{world.client_id}/documents"
        with httpx.Client(timeout=UPLOAD_TIMEOUT, follow_redirects=False) as http:
            post_upload(http, url, world, world.warmup)
            warm = memory_mib(portal.pid)
            cpu_before = process_cpu_s(portal.pid)
            seconds, client_cpu = post_upload(http, url, world, file)
            portal_cpu = process_cpu_s(portal.pid) - cpu_before
        after = memory_mib(portal.pid)
    finally:
        world.ctx.servers.remove(portal)
        stop(portal)
    return {
        "seconds": round(seconds, 3),
        "mib_per_s": round(throughput(file.size, seconds), 1),
        "client_cpu_s": round(client_cpu, 2),
        "portal_cpu_s": round(portal_cpu, 2),
        "pid": portal.pid,
        "exit_code": portal.process.returncode if portal.process else None,
        "rss_mib": {
            "started": started,
            "after_warmup": warm,
            "after_upload": after,
        },
        "peak_rss_mib": after["VmHWM"],
        "peak_growth_in_upload_mib": round(after["VmHWM"] - warm["VmRSS"], 1),
    }


def clear_bucket(client: Minio) -> None:
    """Remove what the uploads stored, so the server's disk use stays flat over the run."""
    for item in client.list_objects(BUCKET, recursive=True):
        if item.object_name:
            client.remove_object(BUCKET, item.object_name)


def run(rounds: int, sizes_mib: tuple[int, ...]) -> dict[str, Any]:
    started = time.monotonic()
    with bench_context() as ctx:
        files_dir = ctx.var_dir / "files"
        files_dir.mkdir()
        files: list[BenchFile] = []
        for number, mib in enumerate(sizes_mib, start=1):
            size = mib * MIB
            path = files_dir / f"bench-{mib}mib.pdf"
            t0 = time.monotonic()
            files.append(BenchFile(path, size, write_file(path, size, seed=number)))
            say(f"wrote {size_label(size)} to {path.name} in {time.monotonic() - t0:.1f} s")
        warm_path = files_dir / "warm-up.pdf"
        warmup = BenchFile(warm_path, WARMUP_BYTES, write_file(warm_path, WARMUP_BYTES, seed=0))

        say("starting SeaweedFS (weed mini)")
        with SeaweedServer(ctx.var_dir / "seaweed") as weed:
            store = store_client(weed)
            store.make_bucket(BUCKET)
            say(f"recreating database {DB_NAME}")
            pg_version = asyncio.run(_recreate_database(DB_NAME))
            env = portal_env(
                ctx.var_dir / "portal",
                DATABASE_URL,
                PORTAL_S3_ENDPOINT=weed.endpoint,
                PORTAL_S3_ACCESS_KEY=weed.access_key,
                PORTAL_S3_SECRET_KEY=weed.secret_key,
                PORTAL_S3_BUCKET=BUCKET,
                PORTAL_S3_SECURE="false",
                PORTAL_UPLOAD_MAX_MB=str(UPLOAD_MAX_MB),
            )
            Path(env["PORTAL_VAR_DIR"]).mkdir(parents=True)
            run_portal_ok(env, "migrate", cwd=ROOT)
            seed_argv = [str(BIN / "python"), "-m", "bench.seed", "--uploads"]
            seed = json.loads(checked(run_command(seed_argv, env, cwd=ROOT)).splitlines()[-1])
            say(f"seeded: social worker {seed['person_id']}, client {seed['client']['id']}")
            token = secrets.token_urlsafe(32)
            ctx.token = token
            session = asyncio.run(_write_session(token, seed["person_id"]))
            world = World(
                ctx=ctx,
                store=store,
                env=env,
                client_id=seed["client"]["id"],
                cookie=f"brug_session={token}",
                csrf=session.csrf,
                warmup=warmup,
            )
            measure_fput(store, warmup, 3, "bench-baseline/warm-up")

            measurements: list[Measurement] = []
            for round_no in range(1, rounds + 1):
                order = [(file, target) for file in files for target in TARGETS]
                if round_no % 2 == 0:
                    order.reverse()
                for file, target in order:
                    say(f"round {round_no}/{rounds}: {target}, {file.label}")
                    if target == "portal":
                        figures = measure_portal(world, file)
                    else:
                        parallel = 3 if target == "fput" else 1
                        key = f"bench-baseline/{target}-{file.size}-{round_no}"
                        figures = measure_fput(store, file, parallel, key)
                    measurements.append(Measurement(target, file.size, round_no, figures))
                    line = f"  {figures['seconds']:.2f} s, {figures['mib_per_s']:.1f} MiB/s"
                    if target == "portal":
                        line += (
                            f", peak RSS {figures['peak_rss_mib']:.1f} MiB "
                            f"(+{figures['peak_growth_in_upload_mib']:.1f} MiB during the "
                            f"upload), portal CPU {figures['portal_cpu_s']:.1f} s"
                        )
                    say(line)
                    clear_bucket(store)

    return {
        "pg_version": pg_version,
        "seed": seed,
        "files": [
            {"name": f.path.name, "size": f.size, "sha256": f.sha256} for f in [*files, warmup]
        ],
        "measurements": measurements,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


# --- summarising -------------------------------------------------------------------------------


def summarise(measurements: list[Measurement], rounds: int) -> dict[str, Any]:
    sizes = sorted({m.size for m in measurements})
    small, large = sizes[0], sizes[-1]
    numbers = range(1, rounds + 1)

    def figure(target: str, size: int, round_no: int, name: str) -> float:
        return float(
            next(
                m.figures[name]
                for m in measurements
                if (m.target, m.size, m.round) == (target, size, round_no)
            )
        )

    growth = [
        figure("portal", large, r, "peak_rss_mib") - figure("portal", small, r, "peak_rss_mib")
        for r in numbers
    ]
    ratios: dict[str, Any] = {}
    for size in sizes:
        for baseline in ("fput", "fput-serial"):
            per_round = [
                figure("portal", size, r, "mib_per_s") / figure(baseline, size, r, "mib_per_s")
                for r in numbers
            ]
            ratios[f"{baseline}/{size}"] = {
                "per_round": [round(v, 3) for v in per_round],
                "median": round(statistics.median(per_round), 3),
            }
    verdict_ratio = ratios[f"fput/{large}"]
    return {
        "sizes": sizes,
        "median_mib_per_s": {
            f"{target}/{size}": statistics.median(
                figure(target, size, r, "mib_per_s") for r in numbers
            )
            for target in TARGETS
            for size in sizes
        },
        "peak_rss_growth_mib": {
            "per_round": [round(v, 1) for v in growth],
            "median": round(statistics.median(growth), 1),
            "target": TARGET_RSS_GROWTH_MIB,
            "met": statistics.median(growth) <= TARGET_RSS_GROWTH_MIB,
        },
        "throughput_ratios": ratios,
        "throughput_verdict": {
            "size": large,
            "median": verdict_ratio["median"],
            "target": TARGET_THROUGHPUT_RATIO,
            "met": verdict_ratio["median"] >= TARGET_THROUGHPUT_RATIO,
        },
    }


TARGET_NAMES = {
    "fput": "`fput_object`, 3 parts in flight",
    "fput-serial": "`fput_object`, 1 part at a time",
    "portal": "portal upload",
}


def table(measurements: list[Measurement]) -> list[str]:
    lines = [
        "| Round | Size | Upload | Seconds | MiB/s | Portal peak RSS MiB | RSS after warm-up MiB "
        "| Portal CPU s | Client CPU s |",
        "|--:|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for m in measurements:
        f = m.figures
        portal = m.target == "portal"
        lines.append(
            f"| {m.round} | {size_label(m.size)} | {TARGET_NAMES[m.target]} | "
            f"{f['seconds']:.2f} | {f['mib_per_s']:.1f} | "
            + (
                f"{f['peak_rss_mib']:.1f} | {f['rss_mib']['after_warmup']['VmRSS']:.1f} | "
                f"{f['portal_cpu_s']:.2f} | "
                if portal
                else "| | | "
            )
            + f"{f['client_cpu_s']:.2f} |"
        )
    return lines


def ratio_lines(summary: dict[str, Any]) -> list[str]:
    small, large = summary["sizes"][0], summary["sizes"][-1]
    growth, verdict = summary["peak_rss_growth_mib"], summary["throughput_verdict"]
    ratios = summary["throughput_ratios"]

    def rounds(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    def met(flag: bool) -> str:
        return "**yes**" if flag else "**no**"

    def ratio(key: str) -> str:
        return f"{rounds(ratios[key]['per_round'])} | {ratios[key]['median']:.2f}"

    return [
        "| Figure | Per round | Median | Target | Met |",
        "|---|---|--:|---|---|",
        f"| Portal peak RSS, {size_label(large)} − {size_label(small)} upload (MiB) "
        f"| {', '.join(f'{v:.1f}' for v in growth['per_round'])} | {growth['median']:.1f} "
        f"| ≤ {growth['target']:.0f} | {met(growth['met'])} |",
        f"| Portal ÷ `fput_object` throughput, {size_label(large)} | {ratio(f'fput/{large}')} "
        f"| ≥ {verdict['target']} | {met(verdict['met'])} |",
        f"| *For information:* portal ÷ `fput_object` throughput, {size_label(small)} "
        f"| {ratio(f'fput/{small}')} | | |",
        f"| *For information:* portal ÷ `fput_object` with 1 part at a time, "
        f"{size_label(large)} | {ratio(f'fput-serial/{large}')} | | |",
        f"| *For information:* portal ÷ `fput_object` with 1 part at a time, "
        f"{size_label(small)} | {ratio(f'fput-serial/{small}')} | | |",
    ]


PACKAGES = ("litestar", "uvicorn", "uvloop", "httptools", "multipart", "minio", "urllib3", "httpx")


def latest_section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    pkgs = info["packages"]
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench-upload` on {result['date']}, commit `{commit}`; raw figures "
            f"in `bench/results/{result['results_file']}` (not in git). The whole run took "
            f"{result['elapsed_s']:.0f} s.",
            "",
            f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), "
            f"`free -h` total memory {info['memory_total']}, Linux {info['kernel']}; the bench "
            f"(the client), the portal, SeaweedFS and PostgreSQL on the same machine.",
            f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, SeaweedFS "
            f"`weed` {result['weed_version']}, Litestar {pkgs['litestar']}, uvicorn "
            f"{pkgs['uvicorn']} (uvloop {pkgs['uvloop']}, httptools {pkgs['httptools']}), "
            f"multipart {pkgs['multipart']}, minio {pkgs['minio']}, urllib3 {pkgs['urllib3']}; "
            f"client httpx {pkgs['httpx']}.",
            f"- Order: {result['rounds']} rounds; in each, for each size, `fput_object` (3 parts "
            "in flight, its default), `fput_object` (1 part at a time) and the portal (a fresh "
            "`portal serve`, one warm-up upload of "
            f"{WARMUP_BYTES // 1024} KiB, then the measured one); even rounds in reverse order. "
            f"Parts of {PART_SIZE // MIB} MiB everywhere.",
            "",
            *table(result["measurements_objects"]),
            "",
            "Portal peak RSS: `VmHWM` of the `portal serve` process after the measured upload "
            "(the process's peak since it started). Portal CPU: its CPU time during the measured "
            "upload. Client CPU: the bench process's CPU time during the upload (httpx sending "
            "the body, or `fput_object` with its threads).",
            "",
            *ratio_lines(summary),
            "",
            "The verdicts use the median of the per-round figures (each round measures the "
            "three uploads of one size back to back, and both sizes within a minute or two).",
            "",
        ]
    )


def rewrite_readme(section: str) -> None:
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    start = text.find(LATEST_HEADING)
    if start == -1:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(LATEST_HEADING))
        rest = text[following + 1 :] if following != -1 else ""
        new = text[:start] + section + ("\n" + rest if rest else "")
    README.write_text(new.rstrip("\n") + "\n")


def weed_version() -> str:
    out = run_command([str(BIN / "weed"), "version"], {}, cwd=ROOT, timeout=30).stdout
    match = re.search(r"\b(\d+\.\d+(\.\d+)?)\b", out)
    return match.group(1) if match else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.upload", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES_MIB),
        help="file sizes in MiB, comma-separated (10,1024)",
    )
    args = parser.parse_args(argv)
    rounds = max(1, args.rounds)
    sizes = tuple(sorted({int(s) for s in args.sizes.split(",")}))
    if len(sizes) < 2 or sizes[-1] > UPLOAD_MAX_MB - 10:
        parser.error(f"--sizes: at least two sizes, up to {UPLOAD_MAX_MB - 10} MiB")

    date = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        result = run(rounds, sizes)
    except (BenchError, ProcessError) as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    measurements: list[Measurement] = result.pop("measurements")
    summary = summarise(measurements, rounds)
    info = machine()
    info.pop("wrk", None)
    info["packages"] = {name: importlib.metadata.version(name) for name in PACKAGES}
    RESULTS_DIR.mkdir(exist_ok=True)
    results_file = f"upload-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result.update(
        date=date.isoformat().replace("+00:00", "Z"),
        rounds=rounds,
        results_file=results_file,
        weed_version=weed_version(),
    )
    raw = {
        **result,
        "machine": info,
        "measurements": [
            {"target": m.target, "size": m.size, "round": m.round, **m.figures}
            for m in measurements
        ],
        "summary": summary,
    }
    (RESULTS_DIR / results_file).write_text(json.dumps(raw, indent=2) + "\n")

    print()
    print("\n".join(table(measurements)))
    print()
    print("\n".join(ratio_lines(summary)))
    print()
    say(f"raw figures: {RESULTS_DIR.relative_to(ROOT) / results_file}")
    if not args.no_readme:
        rewrite_readme(
            latest_section({**result, "measurements_objects": measurements}, summary, info)
        )
        say(f"updated {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
