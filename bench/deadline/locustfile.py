"""The last day before the deadline, as locust users: coordinators fill in their report, save it
several times and submit it; reviewers work through the queue, read, comment, approve or ask for
changes; leads and leadership follow the cycle overview. Started by bench/deadline_day.py, which
prepares the people (DEADLINE_PLAN, a JSON file) and reads what happened (DEADLINE_LOG, one JSON
line per request, per submission answered as done and per refusal).

Every person thinks between clicks: 5 to 20 s to find their way (leadership 10 to 30 s), 20 to
60 s of writing before each save of the report form, 30 to 90 s to read a report before deciding
on it, and 30 to 120 s away between looks at a report once it is submitted. Each click is what a
browser sends: a GET of a page, or a form taken from the page (its CSRF token included) posted
and its redirect followed. A request counts as an error when the server answers 4xx or 5xx,
fails to answer, or answers something else than the step expects (a redirect to the login page,
a form sent back with errors).
"""

import itertools
import json
import os
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from locust import HttpUser, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.deadline.pages import Form, Page, parse  # noqa: E402

PLAN = json.loads(Path(os.environ["DEADLINE_PLAN"]).read_text())
LOG = Path(os.environ["DEADLINE_LOG"]).open("a", buffering=1)  # noqa: SIM115 - for the run
PEOPLE = {role: iter(people) for role, people in PLAN["people"].items()}
YEAR = PLAN["year"]
TODAY = date.fromisoformat(PLAN["today"])  # in Brussels, as the application counts days
DEMO = "(Deadline-day bench text, not a statement about the project.)"
# Seconds between two clicks: finding one's way, writing before a save, reading a report before
# deciding on it, away between looks at a submitted report.
CLICK, WRITING, READING, AWAY = (5, 20), (20, 60), (30, 90), (30, 120)


def record(kind: str, **fields) -> None:
    LOG.write(json.dumps({"type": kind, **fields}) + "\n")


@events.request.add_listener
def on_request(request_type, name, response_time, exception=None, start_time=None, **kwargs):
    response = kwargs.get("response")
    status = getattr(response, "status_code", None)
    record(
        "request",
        t=start_time,
        ms=response_time,
        name=name,
        method=request_type,
        status=status,
        error=None if exception is None else _kind_of(exception, status),
    )


def _kind_of(exception: Exception, status: int | None) -> str:
    if status and status >= 400:
        return f"HTTP {status}"
    text = " ".join(str(exception).split())
    return f"{type(exception).__name__}: {text[:160]}"


class Person(HttpUser):
    """One signed-in person; their session was made by the bench (see population.py)."""

    abstract = True
    role = ""
    think = CLICK  # before the next click

    def wait_time(self) -> float:
        return random.uniform(*self.think)

    def on_start(self) -> None:
        self.person = next(PEOPLE[self.role])
        self.client.cookies.set(
            PLAN["session_cookie"], self.person["session"], domain="127.0.0.1", path="/"
        )

    def as_a_browser(self) -> None:
        """Browsers treat http://127.0.0.1 as a secure context and send it their secure cookies
        (the session and CSRF cookies are secure with DEBUG off); requests would send them
        over HTTPS only."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def page(self, url: str, name: str) -> Page | None:
        """GET a page; None (and an error) unless it answers 200 with a page."""
        self.as_a_browser()
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code == 200:
                return parse(r.text)
            if r.status_code in (301, 302):
                r.failure(f"redirected to {r.headers.get('Location')}")
        return None

    def post(self, url: str, data: dict, name: str, *, expect: str) -> str | None:
        """Post `data` (a form's) to `url`; the redirect's target if it matches `expect` (a
        regular expression), else None and an error."""
        self.as_a_browser()
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as r:
            location = r.headers.get("Location", "")
            if r.status_code == 302 and re.fullmatch(expect, location.split("#")[0]):
                return location
            if r.status_code < 400:
                problems = parse(r.text).messages if r.status_code == 200 else [location]
                r.failure(f"{name}: answered {r.status_code} {'; '.join(problems)[:200]}")
        return None


class Coordinator(Person):
    """Opens their report, writes and saves the form a few times (1 to 5), submits it; then
    looks at it now and then, and goes back to editing if a reviewer sends it back."""

    role = "coordinator"
    fixed_count = len(PLAN["people"]["coordinator"])

    def on_start(self) -> None:
        super().on_start()
        self.report = self.person["report"]
        self.report_url = f"/reports/{self.report}/"
        self.form_url = f"{self.report_url}edit/"
        self.form: Form | None = None
        self.saves_left: int | None = random.randint(1, 5)
        self.action = "resubmit" if self.person["sent_back"] else "submit"
        self.edits = itertools.count(1)
        self.page("/", "home")

    @task
    def work(self) -> None:
        if self.saves_left is None:
            self.read()
        elif self.form is None:
            self.open_form()
        elif self.saves_left > 0:
            self.save()
        else:
            self.submit()

    def open_form(self) -> None:
        page = self.page(self.form_url, "report edit")
        self.form = page.form(button="save") if page else None
        self.think = WRITING

    def save(self) -> None:
        data = {**fill(self.form, next(self.edits)), "save": "1"}
        if self.post(self.form_url, data, "report edit: save", expect=re.escape(self.form_url)):
            self.saves_left -= 1
        self.open_form()  # the browser follows the redirect: the form again, as saved

    def submit(self) -> None:
        data = {**fill(self.form, next(self.edits)), "submit": "1"}
        action = self.action
        target = self.post(
            self.form_url, data, f"report edit: {action}", expect=r"/(reports|cycles)/.*"
        )
        if target is None:
            self.form = None
            return
        if target.split("#")[0] == self.report_url:
            record("submitted", report=self.report, user=self.person["username"], action=action)
            self.saves_left, self.form, self.action = None, None, "resubmit"
            self.think = AWAY
        page = self.page(target, "report" if target == self.report_url else "report edit")
        if target != self.report_url:  # refused: the page says why; the person fixes it
            record("refused", report=self.report, messages=page.messages if page else [])
            self.form = page.form(button="save") if page else None

    def read(self) -> None:
        choice = random.random()
        if choice < 0.5:
            page = self.page(self.report_url, "report")
            if page and self.form_url in page.links:  # sent back: edit again
                self.saves_left, self.form, self.think = random.randint(1, 3), None, CLICK
            elif page and random.random() < 0.2:
                comment(self, page, self.report_url)
        elif choice < 0.8:
            self.page("/", "home")
        else:
            self.page("/projects/", "projects")


def fill(form: Form, edit: int) -> dict:
    """The form as the coordinator leaves it after one more edit: every narrative written,
    one section updated, every milestone with a status (a reason where it is late)."""
    today = TODAY
    values = form.data()
    assessment = form.selects["assessment"]
    if not values["assessment"]:
        values["assessment"] = random.choice([o for o in assessment.options if o])
    for name in ("summary", "achievements", "risks", "next_year_plan", "resources"):
        if not values.get(name, "").strip():
            values[name] = f"{name.replace('_', ' ').capitalize()} of the year. {DEMO}"
    section = random.choice(["summary", "achievements", "risks", "next_year_plan"])
    values[section] = re.sub(r"\s*\[edit \d+\]$", "", values[section]) + f" [edit {edit}]"
    for i in range(int(values["m-TOTAL_FORMS"])):
        prefix = f"m-{i}-"
        if values[f"{prefix}status"] and random.random() < 0.7:
            continue
        status = random.choice(["on_track", "on_track", "not_started", "delayed", "at_risk"])
        values[f"{prefix}status"] = status
        values[f"{prefix}percent_complete"] = str(0 if status == "not_started" else
                                                  random.randint(10, 90))  # fmt: skip
        forecast = today + timedelta(days=random.randint(30, 900))
        values[f"{prefix}forecast_date"] = forecast.isoformat()
        values[f"{prefix}achieved_on"] = ""
        late = status in ("delayed", "at_risk")
        values[f"{prefix}narrative"] = (
            f"Why it is {status.replace('_', ' ')}. {DEMO}" if late else ""
        )
    return values


def comment(person: Person, page: Page, report_url: str) -> None:
    form = next(
        (f for f in page.forms if f.action.endswith("/comments/") and "update" not in f.fields),
        None,
    )
    if form is None:
        return
    data = form.data(body=f"A comment on deadline day from {person.person['username']}. {DEMO}")
    if "visibility" in form.radios:
        data["visibility"] = random.choice(["shared", "shared", "internal"])
    target = person.post(form.action, data, "comment", expect=re.escape(report_url))
    if target:
        person.page(report_url, "report")


class Reviewer(Person):
    """Takes a report from the queue (submitted, their body has not decided), reads it, maybe
    comments, then approves it for their body or asks for changes (about one in five)."""

    role = "reviewer"
    fixed_count = len(PLAN["people"]["reviewer"])

    def on_start(self) -> None:
        super().on_start()
        self.current: str | None = None
        self.reading: Page | None = None
        self.page("/", "home")

    @task
    def review(self) -> None:
        self.think = CLICK
        if self.current is None:
            self.pick()
        elif self.reading is None:
            self.reading = self.page(self.current, "report")
            self.think = READING
            if self.reading is None:
                self.current = None
        else:
            self.decide()

    def pick(self) -> None:
        page = self.page("/queue/?state=submitted&undecided=1", "queue")
        reports = page.links_matching(r"/reports/\d+/") if page else []
        self.current = random.choice(reports) if reports else None

    def decide(self) -> None:
        page, url = self.reading, self.current
        choice = random.random()
        if choice < 0.25:
            comment(self, page, url)
            self.reading = self.page(url, "report")
            return
        approve, changes = page.form("/action/approve/"), page.form("/action/request_changes/")
        if choice < 0.85 and approve is not None:
            if self.post(approve.action, approve.data(), "approve", expect=re.escape(url)):
                self.page(url, "report")
        elif changes is not None:
            reason = f"Please give the new forecast of the delayed milestones. {DEMO}"
            data = changes.data(reason=reason)
            if self.post(changes.action, data, "request changes", expect=re.escape(url)):
                self.page(url, "report")
        self.current = self.reading = None


class Lead(Person):
    """Follows the cycle overview and the queue, reads submitted reports, and now and then
    grants an extension to a report that is still a draft."""

    role = "lead"
    fixed_count = len(PLAN["people"]["lead"])

    @task(4)
    def overview(self) -> None:
        page = self.page(f"/cycles/{YEAR}/", "cycle overview")
        if page is None or random.random() > 0.15:
            return
        extend = page.links_matching(r"/reports/\d+/extension/")
        if extend:
            self.extend(random.choice(extend))

    def extend(self, url: str) -> None:
        page = self.page(url, "extension")
        form = page.form() if page else None  # the page's own form (not signing out)
        if form is None:
            return
        until = TODAY + timedelta(days=random.randint(3, 10))
        data = form.data(until=until.isoformat(), reason=f"Asked for on deadline day. {DEMO}")
        target = self.post(url, data, "extension: grant", expect=r"/(reports|cycles)/.*")
        if target:
            self.page(target, "cycle overview")

    @task(2)
    def report(self) -> None:
        page = self.page("/queue/", "queue")
        reports = page.links_matching(r"/reports/\d+/") if page else []
        if reports:
            self.page(random.choice(reports), "report")

    @task(1)
    def home(self) -> None:
        self.page("/", "home")


class Leadership(Person):
    """The state of the whole cycle at a glance: the overview, now and then a report."""

    role = "leadership"
    fixed_count = len(PLAN["people"]["leadership"])
    think = (10, 30)

    @task(4)
    def overview(self) -> None:
        page = self.page(f"/cycles/{YEAR}/", "cycle overview")
        reports = page.links_matching(r"/reports/\d+/") if page else []
        if reports and random.random() < 0.3:
            self.page(random.choice(reports), "report")

    @task(2)
    def home(self) -> None:
        self.page("/", "home")

    @task(1)
    def cycles(self) -> None:
        self.page("/cycles/", "cycles")
