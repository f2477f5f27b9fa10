"""What a deadline-day run did, in figures, and the verdict on each criterion of issue 10."""

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

MAX_ERROR_RATE = 0.001  # under 0.1 % of the requests, the restart included
QUIET_AFTER = 10.0  # seconds after the restart from which no request may fail


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value that `share` of the values do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


@dataclass
class Outcome:
    minutes: float
    workers: int
    people: Counter
    requests: list[dict]
    submitted: list[dict]
    refused: list[dict]
    restart: tuple[float, float]
    load: tuple[float, float]
    setup: dict[str, float]
    before: dict[str, int]
    after: dict[str, int]
    lost: list[str]
    mail: int
    reconnects: dict[str, Counter]
    server_ms: list[float]  # each request's time inside a gunicorn worker
    servers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def collect(cls, *, args, events: Path, access: Path, people, lost, logs, **known):
        lines = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
        by_type: dict[str, list[dict]] = {"request": [], "submitted": [], "refused": []}
        for line in lines:
            by_type[line["type"]].append(line)
        return cls(
            minutes=args.minutes,
            workers=args.workers,
            people=Counter(person.role for person in people),
            requests=by_type["request"],
            submitted=by_type["submitted"],
            refused=by_type["refused"],
            lost=lost(by_type["submitted"]),
            reconnects={name: _reconnects(text) for name, text in logs.items()},
            server_ms=[
                int(line.split()[0]) / 1000
                for line in access.read_text().splitlines()
                if line.split() and line.split()[0].isdigit()
            ],
            **known,
        )

    def errors(self) -> list[dict]:
        return [r for r in self.requests if r["error"]]

    def windows(self) -> dict[str, list[dict]]:
        """The failed requests: finished before the restart began, from then until QUIET_AFTER
        seconds after the server was back, and later."""
        began, back = self.restart
        windows: dict[str, list[dict]] = {"before": [], "restart": [], "after": []}
        for r in self.errors():
            if r["t"] + r["ms"] / 1000 < began:
                windows["before"].append(r)
            elif r["t"] < back + QUIET_AFTER:
                windows["restart"].append(r)
            else:
                windows["after"].append(r)
        return windows


def _reconnects(log: str) -> Counter:
    """What the application's database backend logged (pesco_review/db/postgresql)."""
    return Counter(
        {
            "failed attempts": log.count(": connection attempt "),
            "connected after waiting": log.count(": connected at attempt "),
            "gave up": log.count("giving up"),
        }
    )


def _kinds(requests: list[dict]) -> str:
    counts = Counter(f"{r['name']}: {r['error']}" for r in requests)
    return "; ".join(f"{kind} × {n}" for kind, n in counts.most_common()) or "none"


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _header(o: Outcome) -> list[str]:
    people = ", ".join(f"{o.people[role]} {role}s" for role in ("coordinator", "reviewer"))
    people += f", {o.people['lead']} leads, {o.people['leadership']} leadership"
    setup = " · ".join(f"{name} {seconds:.1f} s" for name, seconds in o.setup.items())
    return [
        f"Deadline day under load: {sum(o.people.values())} people for {o.minutes:g} min "
        f"(twice the expected 72 coordinators, 9 reviewers, 2 leads, 10 leadership): {people}",
        f"  gunicorn {o.workers} sync workers, a Celery worker (2 processes), the bench's own "
        f"PostgreSQL (port {o.servers.get('postgres')}) and Redis (port "
        f"{o.servers.get('redis')}); {os.cpu_count()} CPUs",
        f"  setup: {setup}",
        "  open cycle's reports before: "
        + ", ".join(f"{n} {s.lower()}" for s, n in o.before.items()),
        "                        after: "
        + ", ".join(f"{n} {s.lower()}" for s, n in o.after.items()),
        "",
    ]


def _figures(o: Outcome) -> list[str]:
    total, errors, windows = len(o.requests), o.errors(), o.windows()
    times = [r["ms"] for r in o.requests]
    span = o.load[1] - o.load[0]
    began, back = o.restart
    actions = Counter(s["action"] for s in o.submitted)
    reconnects = "; ".join(
        f"{name}: " + ", ".join(f"{n} {what}" for what, n in counts.items())
        for name, counts in o.reconnects.items()
    )
    return [
        f"requests           {total:,} in {span:.0f} s: {total / span:.1f} per second",
        f"latency            p50 {percentile(times, 0.5):.0f} ms · p95 "
        f"{percentile(times, 0.95):.0f} ms · p99 {percentile(times, 0.99):.0f} ms · max "
        f"{max(times, default=0):,.0f} ms",
        f"  inside a worker  p50 {percentile(o.server_ms, 0.5):.0f} ms · p95 "
        f"{percentile(o.server_ms, 0.95):.0f} ms (the rest of the latency: waiting for one)",
        f"errors             {len(errors)} of {total:,}: {len(errors) / max(total, 1):.3%}",
        f"  before the restart   {len(windows['before'])}: {_kinds(windows['before'])}",
        f"  restart to +{QUIET_AFTER:.0f} s     {len(windows['restart'])}: "
        f"{_kinds(windows['restart'])}",
        f"  from +{QUIET_AFTER:.0f} s on        {len(windows['after'])}: "
        f"{_kinds(windows['after'])}",
        f"PostgreSQL restart at {_clock(began - o.load[0])} into the run (pg_ctl restart -m fast): "
        f"{back - began:.2f} s until it accepted connections again",
        f"  the application's reconnections: {reconnects}",
        f"submissions        {len(o.submitted)} answered as done ({actions['submit']} submit, "
        f"{actions['resubmit']} resubmit); reports missing one in the database: {len(o.lost)}",
        f"  refused          {len(o.refused)}"
        + "".join(f"\n    {r['report']}: {' '.join(r['messages'])[:200]}" for r in o.refused),
        f"mail delivered     {o.mail} messages (by the Celery worker, to the bench's SMTP server)",
        "",
    ]


def _per_step(o: Outcome) -> list[str]:
    steps: dict[str, list[dict]] = {}
    for r in o.requests:
        steps.setdefault(f"{r['method']} {r['name']}", []).append(r)
    lines = [f"{'step':30} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}"]
    for name, requests in sorted(steps.items(), key=lambda item: -len(item[1])):
        times = [r["ms"] for r in requests]
        lines.append(
            f"{name:30} {len(requests):9,} {percentile(times, 0.5):8.0f} "
            f"{percentile(times, 0.95):8.0f} {sum(1 for r in requests if r['error']):7}"
        )
    return [*lines, ""]


def verdicts(o: Outcome) -> list[tuple[bool, str]]:
    total, errors, windows = len(o.requests), o.errors(), o.windows()
    rate = len(errors) / max(total, 1)
    return [
        (
            total > 0 and rate < MAX_ERROR_RATE,
            f"error rate {rate:.3%} ({len(errors)} of {total:,}) is under "
            f"{MAX_ERROR_RATE:.1%}, the restart included",
        ),
        (
            not windows["after"],
            f"no error from {QUIET_AFTER:.0f} s after the restart ({len(windows['after'])} found)",
        ),
        (
            bool(o.submitted) and not o.lost,
            (
                f"no submitted report lost: {len(o.submitted)} submissions answered as done, "
                f"{len(o.lost)} of their reports missing one in the database"
                if o.submitted
                else "no submitted report lost: nobody submitted, nothing to check (run longer)"
            )
            + "".join(f"\n      lost: {line}" for line in o.lost),
        ),
    ]


def print_outcome(o: Outcome) -> bool:
    """Print the figures and the verdicts; True if every criterion passed."""
    results = verdicts(o)
    lines = [*_header(o), *_figures(o), *_per_step(o)]
    lines += [f"{'PASS' if ok else 'FAIL'}  {text}" for ok, text in results]
    print("\n".join(lines), flush=True)
    return all(ok for ok, _ in results)
