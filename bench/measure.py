"""Latency (one client, request after request) and throughput (several clients at once).

Every response is checked, not only timed: a page that answers fast with a redirect to the
login form or an error page would otherwise look like a good result.
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field

from bench.client import Client
from bench.pages import Page


@dataclass
class Outcome:
    """Durations of the good responses, in seconds, and a count of the bad ones."""

    durations: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def record(self, seconds: float, problem: str | None) -> None:
        if problem is None:
            self.durations.append(seconds)
            return
        self.errors += 1
        self.first_error = self.first_error or problem

    def merge(self, other: "Outcome") -> None:
        self.durations.extend(other.durations)
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error

    def ms(self, percent: int) -> float | None:
        """The ``percent``-th percentile in milliseconds (None without two good responses)."""
        if len(self.durations) < 2:
            return None
        cuts = statistics.quantiles(self.durations, n=100, method="inclusive")
        return 1000 * cuts[percent - 1]

    def max_ms(self) -> float | None:
        return 1000 * max(self.durations) if self.durations else None

    @property
    def failed(self) -> bool:
        """Every request failed: the page is missing or broken, there is nothing to time."""
        return self.errors > 0 and not self.durations


@dataclass(frozen=True)
class Throughput:
    outcome: Outcome
    seconds: float  # wall time from the start signal until the last client stopped
    rounds: tuple[float, ...] = ()  # good responses per second of each round (see combine)

    @property
    def per_second(self) -> float:
        """Good responses per second."""
        return len(self.outcome.durations) / self.seconds


def combine(runs: list[Throughput]) -> Throughput:
    """Several runs of one page (rounds interleaved with the other pages') as one, keeping
    each round's rate so that it can be compared with the same round of another page."""
    total = Outcome()
    for run in runs:
        total.merge(run.outcome)
    return Throughput(
        total, sum(run.seconds for run in runs), tuple(run.per_second for run in runs)
    )


def share_of(page: Throughput, reference: Throughput) -> float | None:
    """The page's rate as a share of the reference's: the median over the rounds of each
    round's ratio, so that the machine getting faster or slower between rounds (other
    programs, frequency scaling) does not favour whichever page ran at a good moment."""
    pairs = list(zip(page.rounds, reference.rounds, strict=False))
    if pairs:
        return statistics.median(mine / theirs for mine, theirs in pairs if theirs)
    return page.per_second / reference.per_second if reference.per_second else None


def timed_request(client: Client, page: Page) -> tuple[float, str | None]:
    """Request ``page`` once: seconds taken, and what was wrong (None when all was well)."""
    start = time.perf_counter()
    try:
        response = client.get(page.path, dict(page.headers))
    except (OSError, http.client.HTTPException) as error:
        return time.perf_counter() - start, f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - start
    if response.status != 200:
        return seconds, f"status {response.status} {response.location}".rstrip()
    if page.expect not in response.body:
        return seconds, f"status 200 without {page.expect!r}"
    return seconds, None


def latency(client: Client, page: Page, *, requests: int, warmup: int) -> Outcome:
    """Time ``requests`` requests one after another, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        timed_request(client, page)
    outcome = Outcome()
    for _ in range(requests):
        outcome.record(*timed_request(client, page))
    return outcome


def throughput(clients: list[Client], page: Page, *, seconds: float) -> Throughput:
    """Let every client request ``page`` as fast as it can for ``seconds``, all at once.

    Each client runs in its own thread on its own connection, opened by one untimed request
    before the common start, so connecting is not part of the measure.
    """
    start = threading.Barrier(len(clients) + 1)
    outcomes = [Outcome() for _ in clients]

    def run(client: Client, outcome: Outcome) -> None:
        timed_request(client, page)
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            outcome.record(*timed_request(client, page))

    threads = [
        threading.Thread(target=run, args=pair, daemon=True)
        for pair in zip(clients, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    total = Outcome()
    for outcome in outcomes:
        total.merge(outcome)
    return Throughput(total, time.perf_counter() - began)
