"""``python -m bench``: prepare the services, start the server, measure, record.

Each option can also be set in the environment (BENCH_REQUESTS, BENCH_WARMUP,
BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_PAGES, BENCH_SCALE), so ``BENCH_SECONDS=30 make
bench`` works.
"""

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import pages, report, server
from bench.client import Client, LoginError, log_in
from bench.measure import Outcome, Throughput, combine, latency, throughput
from bench.pages import Page

Sessions = dict[str, dict[str, str]]  # the cookies of each signed-in user, by USERS key


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure Keel's pages against a production-mode server "
        "(see docs/benchmarks.md).",
    )

    def option(name: str, env: str, default: str, kind: type, text: str) -> None:
        # argparse converts a string default with ``type``, so a bad variable is reported
        # like a bad option.
        parser.add_argument(
            name,
            type=kind,
            default=os.environ.get(env, default),
            help=f"{text}, default {default or 'all'} (env {env})",
        )

    option("--requests", "BENCH_REQUESTS", "200", int, "timed requests per page")
    option("--warmup", "BENCH_WARMUP", "20", int, "untimed requests before them")
    option("--seconds", "BENCH_SECONDS", "10", float, "throughput run per page, 0 skips it")
    option("--concurrency", "BENCH_CONCURRENCY", "8", int, "clients in the throughput run")
    option("--rounds", "BENCH_ROUNDS", "3", int, "throughput rounds, each running every page")
    option("--pages", "BENCH_PAGES", "", str, "comma-separated page names")
    option(
        "--scale",
        "BENCH_SCALE",
        "1",
        float,
        "dataset size (seed_demo --scale; 1 = 1,000,000 leads, kept in its own database)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the results but leave the docs alone"
    )
    args = parser.parse_args(argv)
    known = [page.name for page in pages.PAGES]
    args.pages = [name.strip() for name in args.pages.split(",") if name.strip()] or known
    unknown = sorted(set(args.pages) - set(known))
    if unknown:
        parser.error(f"unknown pages {', '.join(unknown)}; known: {', '.join(known)}")
    if (
        args.requests < 2
        or args.warmup < 0
        or args.seconds < 0
        or args.concurrency < 1
        or args.rounds < 1
    ):
        parser.error("need --requests >= 2, --concurrency >= 1 and no negative numbers")
    if not args.scale > 0:
        parser.error("--scale must be a positive number")
    return args


@contextlib.contextmanager
def step(label: str) -> Iterator[None]:
    """Print ``label``, run the block, then how long it took."""
    print(f"  {label} ...", end=" ", flush=True)
    began = time.perf_counter()
    yield
    print(f"{time.perf_counter() - began:.1f} s", flush=True)


def prepare(target: server.Target, env: dict[str, str], scale: float) -> report.Setup:
    """Bring the bench database to Keel's schema, the scale dataset and the yardstick rows.

    The scale dataset includes the demo users; ``seed_demo --scale`` finds it in place on
    later runs and returns at once.
    """
    print(f"Database {server.redact(target.database_url)}, Redis {server.redact(target.redis_url)}")
    with step("database"):
        created, postgres = server.ensure_database(target.database_url)
        print("created," if created else "present,", end=" ")
    redis = server.redis_version(target.redis_url)
    with step("migrate"):
        server.manage(env, "migrate", "--noinput", "-v", "0")
    print(f"  seed_demo --force --scale {scale:g}:", flush=True)
    began = time.perf_counter()
    output = server.manage_echo(env, "seed_demo", "--force", "--scale", f"{scale:g}")
    seeded = "nothing to do" not in output
    seed = (
        f"loaded by this run in {report.duration(time.perf_counter() - began)}"
        if seeded
        else "loaded by an earlier run"
    )
    with step("yardstick"):
        print(server.manage(env, "bench_yardstick").strip() + ",", end=" ")
    with step("collectstatic"):
        server.manage(env, "collectstatic", "--noinput", "-v", "0")
    described = json.loads(server.manage(env, "bench_describe"))
    with step("find the records the pages show"):
        found = json.loads(server.manage(env, "bench_targets"))
    return report.Setup(postgres=postgres, redis=redis, server=described, targets=found, seed=seed)


def resolve(chosen: list[Page], values: dict[str, Any]) -> tuple[list[Page], list[report.Missed]]:
    """The pages with their ids filled in, and those that cannot be requested, with why."""
    ready, missed = [], []
    for page in chosen:
        try:
            ready.append(page.resolve(values))
        except KeyError as missing:
            reason = f"not found in the database or the URLconf: {missing.args[0]}"
            missed.append(report.Missed(page, reason))
    return ready, missed


def client_for(srv: server.Server, page: Page, sessions: Sessions) -> Client:
    return Client(server.HOST, srv.port, sessions.get(page.user or "", {}))


def measure_latency(
    srv: server.Server,
    chosen: list[Page],
    sessions: Sessions,
    method: report.Method,
) -> list[tuple[Page, Outcome]]:
    results = []
    for page in chosen:
        with (
            contextlib.closing(client_for(srv, page, sessions)) as client,
            step(f"latency {page.name}"),
        ):
            outcome = latency(client, page, requests=method.requests, warmup=method.warmup)
        results.append((page, outcome))
    return results


def measure_throughput(
    srv: server.Server,
    chosen: list[Page],
    sessions: Sessions,
    method: report.Method,
) -> list[tuple[Page, Throughput]]:
    """Each page under load in ``method.rounds`` rounds: every round runs every page once,
    the yardstick first, so that each page is compared with the yardstick of its round."""
    loaded = [page for page in chosen if page.name in pages.THROUGHPUT and method.seconds]
    loaded.sort(key=lambda page: page.name != pages.YARDSTICK)
    runs: dict[str, list[Throughput]] = {page.name: [] for page in loaded}
    for round_number in range(1, method.rounds + 1):
        for page in loaded:
            clients = [client_for(srv, page, sessions) for _ in range(method.clients)]
            try:
                with step(f"throughput {page.name}, round {round_number} of {method.rounds}"):
                    runs[page.name].append(throughput(clients, page, seconds=method.seconds))
            finally:
                for client in clients:
                    client.close()
    return [(page, combine(runs[page.name])) for page in loaded]


def measure(
    srv: server.Server, chosen: list[Page], method: report.Method
) -> tuple[list[tuple[Page, Outcome]], list[tuple[Page, Throughput]], list[report.Missed]]:
    """Sign the pages' users in through the login form, then time the pages.

    A page that fails every request (not built yet, or broken) is not timed: it is returned
    as missed, with its first error, and left out of the throughput runs.
    """
    users = sorted({page.user for page in chosen if page.user})
    with step(f"sign in as {', '.join(users) or 'nobody'}"):
        sessions = {
            user: log_in(server.HOST, srv.port, pages.USERS[user], pages.DEMO_PASSWORD)
            for user in users
        }
    timed = measure_latency(srv, chosen, sessions, method)
    missed = [report.Missed(page, outcome.first_error) for page, outcome in timed if outcome.failed]
    timed = [(page, outcome) for page, outcome in timed if not outcome.failed]
    working = [page for page, _ in timed]
    return timed, measure_throughput(srv, working, sessions, method), missed


def run(args: argparse.Namespace, method: report.Method) -> int:
    chosen = pages.by_name(args.pages)
    target = server.Target.from_env(args.scale)
    with (
        tempfile.TemporaryDirectory(prefix="keel-bench-") as scratch,
        contextlib.ExitStack() as stack,
    ):
        env = server.server_env(target, static_root=Path(scratch) / "static")
        setup = prepare(target, env, args.scale)
        ready, unresolved = resolve(chosen, setup.targets)
        with step("start uvicorn"):
            srv = stack.enter_context(server.running_server(env, Path(scratch) / "server.log"))
        timed, loaded, failed = measure(srv, ready, method)
        missed = [*unresolved, *failed]
        outcomes = [*(o for _, o in timed), *(t.outcome for _, t in loaded)]
        errors = sum(outcome.errors for outcome in outcomes)
        if errors or failed:
            print(f"\nThe server's last log lines:\n{srv.log_tail()}")
    results = report.results_markdown(setup, method, timed, loaded, missed)
    print(f"\n{results}")
    for page, outcome in [*timed, *((p, t.outcome) for p, t in loaded)]:
        if outcome.errors:
            print(f"{page.name}: {outcome.errors} errors, the first: {outcome.first_error}")
    for miss in missed:
        print(f"{miss.page.name}: not measured, {miss.reason}")
    docs = report.DOCS.relative_to(server.ROOT)
    if errors:
        print(f"{docs} left as it was: some requests failed on pages that otherwise answered.")
        return 1
    if args.scale != 1:
        print(f"{docs} left as it was: its figures are for --scale 1, this run was {args.scale:g}.")
    elif not args.no_write:
        report.write_docs(results)
        print(f"Results written to {docs}.")
    return 1 if missed else 0


def stop_on_sigterm(signum: int, frame: object) -> None:
    """Turn SIGTERM into SystemExit, so the server is stopped as on Ctrl+C."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    method = report.Method(
        requests=args.requests,
        warmup=args.warmup,
        clients=args.concurrency,
        seconds=args.seconds,
        rounds=args.rounds,
        command=report.command_line(argv),
    )
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        return run(args, method)
    except (server.SetupError, LoginError) as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench: interrupted; the server was stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
