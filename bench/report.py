"""The record of a run: what it ran on, the figures as markdown, docs/benchmarks.md."""

import os
import platform
import shlex
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from bench.measure import Outcome, Throughput, share_of
from bench.pages import THROUGHPUT_TARGETS, YARDSTICK, Page, note_for
from bench.server import ROOT, UVICORN_ARGS, redact
from bench.yardstick import ROWS

DOCS = ROOT / "docs" / "benchmarks.md"
MARKER = "<!-- make bench rewrites everything below this line: edit the text above it. -->"
NONE = "-"


@dataclass(frozen=True)
class Setup:
    """What the figures were measured on, as far as the machine cannot tell by itself."""

    postgres: str
    redis: str
    server: dict[str, Any]  # the JSON printed by manage.py bench_describe
    targets: dict[str, Any]  # the JSON printed by manage.py bench_targets
    seed: str  # how the scale dataset got there


@dataclass(frozen=True)
class Missed:
    """A page that could not be measured, and why."""

    page: Page
    reason: str


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@dataclass(frozen=True)
class Method:
    """How the figures were measured."""

    requests: int
    warmup: int
    clients: int
    seconds: float
    command: str
    rounds: int = 1


def command_line(argv: list[str]) -> str:
    """The command as typed, with the environment overrides that shaped the run."""
    if "MAKELEVEL" in os.environ and not argv:
        command = "make bench"
    else:
        command = shlex.join([".venv/bin/python", "-m", "bench", *argv])
    overrides = [
        f"{name}={shlex.quote(redact(value))}"
        for name, value in sorted(os.environ.items())
        if name.startswith(("BENCH_", "CRM_"))
    ]
    return " ".join([*overrides, command])


def cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    return 0.0


def git_revision() -> str:
    """The short commit, with ``+dirty`` when files differ from it (untracked ones too)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain") else "")


def server_line(server: dict[str, Any]) -> str:
    pool = server["pool"]
    database = (
        f"psycopg pool of {pool['min_size']}-{pool['max_size']} connections per worker"
        if pool
        else "no connection pool"
    )
    return (
        f"`uvicorn {' '.join(UVICORN_ARGS)}`, DEBUG {'on' if server['debug'] else 'off'}, "
        f"{database} (CONN_MAX_AGE {server['conn_max_age']}), {server['cache']}, "
        f"sessions backend `{server['sessions']}`"
    )


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table; every column but the first is numeric and right-aligned."""
    align = ["---", *["---:"] * (len(header) - 1)]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def number(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def ratio(value: float | None, reference: float | None) -> str:
    return NONE if value is None or not reference else f"{value / reference:.2f}"


def verdict(value: float | None, target: float | None, *, at_most: bool = True) -> str:
    """Whether ``value`` meets ``target``, as a table cell."""
    if value is None or target is None:
        return NONE
    met = value <= target if at_most else value >= target
    return "met" if met else "**missed**"


def latency_table(results: list[tuple[Page, Outcome]]) -> str:
    reference = next((o.ms(50) for p, o in results if p.name == YARDSTICK), None)
    rows = [
        [
            f"{page.name} (`{page.path}`{f' as {page.user}' if page.user else ''})",
            str(len(outcome.durations) + outcome.errors),
            str(outcome.errors),
            number(outcome.ms(50)),
            number(outcome.ms(95)),
            number(outcome.ms(99)),
            number(outcome.max_ms()),
            ratio(outcome.ms(50), reference),
            f"≤ {page.target_ms:g}" if page.target_ms else NONE,
            verdict(outcome.ms(95), page.target_ms),
        ]
        for page, outcome in results
    ]
    header = [
        "page", "requests", "errors", "p50", "p95", "p99", "max", "p50 ÷ yardstick",
        "target p95", "target",
    ]  # fmt: skip
    return table(header, rows)


def throughput_table(results: list[tuple[Page, Throughput]]) -> str:
    reference = next((t for p, t in results if p.name == YARDSTICK), None)
    rows = []
    for page, run in results:
        share = THROUGHPUT_TARGETS.get(page.name)
        reached = share_of(run, reference) if reference else None
        rounds = ""
        if reference and len(run.rounds) > 1:
            pairs = zip(run.rounds, reference.rounds, strict=False)
            each = [mine / theirs for mine, theirs in pairs if theirs]
            rounds = " (" + ", ".join(f"{r:.2f}" for r in each) + ")"
        rows.append(
            [
                page.name,
                str(len(run.outcome.durations)),
                str(run.outcome.errors),
                number(run.per_second),
                number(run.outcome.ms(50)),
                number(run.outcome.ms(95)),
                (f"{reached:.2f}{rounds}" if reached is not None else NONE),
                f"≥ {share:.2f}, no errors" if share else NONE,
                NONE
                if share is None
                else "**missed**"
                if run.outcome.errors
                else verdict(reached, share, at_most=False),
            ]
        )
    header = [
        "page", "responses", "errors", "req/s", "p50 ms", "p95 ms", "req/s ÷ yardstick",
        "target", "",
    ]  # fmt: skip
    return table(header, rows)


def data_line(setup: Setup) -> str:
    found = setup.targets
    counts = found.get("counts") or {}
    names = {
        "leads.Lead": "leads",
        "contacts.Contact": "contacts",
        "contacts.Company": "companies",
        "deals.Deal": "deals",
        "activities.Activity": "activities",
        "activities.Task": "tasks",
    }
    held = ", ".join(
        f"{counts[label]:,} {name}" for label, name in names.items() if label in counts
    )
    scale = found.get("scale")
    dataset = f"`seed_demo --scale {scale:g}` ({setup.seed})" if scale else "no scale dataset"
    return f"- Data: {dataset}: {held}; the yardstick's {ROWS:,} rows"


def notes(results: list[tuple[Page, Outcome]], setup: Setup) -> str:
    lines = [f"- {page.name}: {note_for(page, setup.targets)}" for page, _ in results if page.note]
    rep_leads = setup.targets.get("rep_leads")
    if rep_leads:
        lines.append(f"- The rep (rep@keel.test) sees {rep_leads:,} leads.")
    return "\n".join(lines)


def results_markdown(
    setup: Setup,
    method: Method,
    latency: list[tuple[Page, Outcome]],
    throughput: list[tuple[Page, Throughput]],
    missed: list[Missed] | None = None,
) -> str:
    """The results section: the record of the run, then its figures."""
    measured = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    record = [
        f"- Date: {measured}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.1f} GiB RAM; "
        "load average at the end of the run {:.1f}, {:.1f}, {:.1f} (1, 5, 15 min)".format(
            *os.getloadavg()
        ),
        f"- Software: Python {platform.python_version()}, Django {setup.server['django']}, "
        f"uvicorn {version('uvicorn')}, PostgreSQL {setup.postgres}, Redis {setup.redis}",
        f"- Commit: {git_revision()}",
        f"- Command: `{method.command}`",
        f"- Server: {server_line(setup.server)}",
        data_line(setup),
    ]
    parts = [
        "\n".join(record),
        f"### Latency, ms\n\n{method.requests} requests per page after {method.warmup} "
        "warm-up, one client on one keep-alive connection.\n\n" + latency_table(latency),
    ]
    described = notes(latency, setup)
    if described:
        parts.append(described)
    if missed:
        parts.append(
            "### Not measured\n\n"
            + "\n".join(f"- {m.page.name} (`{m.page.path}`): {m.reason}" for m in missed)
        )
    if throughput:
        parts.append(
            f"### Throughput\n\n{method.clients} clients at once (threads with a keep-alive "
            f"connection each) for {method.seconds:g} s per page, in {method.rounds} "
            "round(s): each round runs the yardstick, then every other page. req/s is over "
            "all rounds; ÷ yardstick is the median of the rounds' ratios (each round's rate "
            "over the yardstick's rate in the same round), the rounds' own in brackets.\n\n"
            + throughput_table(throughput)
        )
    return "\n\n".join(parts) + "\n"


def write_docs(results: str) -> None:
    """Replace what follows the marker in docs/benchmarks.md (or append it after the text)."""
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    explanation = text.split(MARKER, 1)[0].rstrip()
    DOCS.write_text(f"{explanation}\n\n{MARKER}\n\n{results}")
