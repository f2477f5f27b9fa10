"""Security events: one JSON line each on the `pesco_review.security` logger, with time, level,
logger, user, client address and request id, and the event's own fields."""

import io
import json
import logging
from datetime import datetime

import pytest
from django.urls import reverse

from pesco_review.history import attribute
from pesco_review.security import JsonFormatter, security_event
from projects.enums import ProjectRoleKind
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
ADDRESS = "203.0.113.9"


@pytest.fixture
def security_log():
    """The security logger's records, formatted by the project's formatter and parsed back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pesco_review.security")
    logger.addHandler(handler)

    def events(name: str | None = None) -> list[dict]:
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        return [line for line in lines if name is None or line["event"] == name]

    yield events
    logger.removeHandler(handler)


@pytest.fixture
def anna():
    return factories.UserFactory(username="anna")


def sign_in(client, username: str, password: str, **headers):
    return client.post(
        reverse("login"),
        {"login": username, "password": password},
        REMOTE_ADDR=ADDRESS,
        **headers,
    )


def test_security_logger_writes_json_lines_through_its_own_handler():
    logger = logging.getLogger("pesco_review.security")
    configured = [h for h in logger.handlers if type(h) is logging.StreamHandler]

    assert [type(h.formatter) for h in configured] == [JsonFormatter]
    assert logger.propagate is False
    assert logger.getEffectiveLevel() == logging.INFO


def test_security_event_sign_in_success_is_one_line_with_user_address_request_id(
    client, anna, security_log
):
    sign_in(client, "anna", PASSWORD, HTTP_X_REQUEST_ID="req-0123456789")

    [line] = security_log("login_succeeded")
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    assert {k: line[k] for k in ("level", "logger", "message", "user", "address")} == {
        "level": "INFO",
        "logger": "pesco_review.security",
        "message": "login_succeeded",
        "user": "anna",
        "address": ADDRESS,
    }
    assert line["request_id"] == "req-0123456789"
    assert line["username"] == "anna"


def test_security_event_sign_in_failure_names_the_user_name_tried(client, anna, security_log):
    response = sign_in(client, "anna", "wrong")

    [line] = security_log("login_failed")
    assert (line["level"], line["user"], line["username"], line["address"]) == (
        "WARNING",
        None,
        "anna",
        ADDRESS,
    )
    assert line["request_id"] == response["X-Request-ID"]


def test_security_event_lockout_once_with_user_name_and_address(
    client, anna, security_log, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "anna", "wrong")

    [line] = security_log("locked_out")
    assert (line["level"], line["username"], line["address"]) == ("WARNING", "anna", ADDRESS)
    assert [e["locked_out"] for e in security_log("login_failed")] == [False] * 4 + [True]


def test_axes_own_log_lines_show_user_name_and_address(client, anna, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        sign_in(client, "anna", "wrong")

    [record] = [r for r in caplog.records if r.name.startswith("axes")]
    assert 'username: "anna"' in record.getMessage()
    assert f'ip_address: "{ADDRESS}"' in record.getMessage()


def test_security_event_permission_denied_names_path_and_reason(client, anna, security_log):
    client.force_login(anna)

    response = client.get("/admin/login/", REMOTE_ADDR=ADDRESS)

    assert response.status_code == 403
    [line] = security_log("permission_denied")
    assert (line["user"], line["address"], line["method"], line["path"]) == (
        "anna",
        ADDRESS,
        "GET",
        "/admin/login/",
    )
    assert line["reason"] == "The administration is for the secretariat's data stewards."


def test_security_event_body_and_flag_changes_say_who_changed_whom(security_log):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    bert = factories.UserFactory(username="bert")
    security_log_before = len(security_log("account_changed"))

    bert.secretariat_body = "EDA"
    bert.is_secretariat_lead = True
    attribute(bert, actor=admin)
    bert.save()

    [line] = security_log("account_changed")[security_log_before:]
    assert (line["actor"], line["subject"]) == ("root", "bert")
    assert line["changes"] == {
        "secretariat_body": ["", "EDA"],
        "is_secretariat_lead": [False, True],
    }


def test_security_event_member_state_change_is_recorded(security_log):
    bert = factories.UserFactory(username="bert")
    state = factories.MemberStateFactory(code="QD", name="Germania")

    bert.member_state = state
    bert.save()

    [line] = security_log("account_changed")
    assert line["changes"] == {"member_state": [None, "Germania"]}
    assert line["actor"] is None  # no acting user named: a command or the shell


def test_security_event_saving_a_user_without_such_change_logs_nothing(security_log):
    bert = factories.UserFactory(username="bert")

    bert.first_name = "Bertha"
    bert.save()

    assert security_log("account_changed") == []


def test_security_event_project_role_added_changed_removed(security_log, project):
    lead = factories.UserFactory(username="lead", lead=True)
    role = factories.ProjectRoleFactory.build(project=project, user=factories.UserFactory())
    attribute(role, actor=lead)
    role.save()
    role.role = ProjectRoleKind.MEMBER
    attribute(role, actor=lead)
    role.save()
    attribute(role, actor=lead)
    role.delete()

    lines = [e for e in security_log() if e["event"].startswith("project_role_")]
    assert [(e["event"], e["actor"], e["subject"], e["project"]) for e in lines] == [
        ("project_role_added", "lead", role.user.username, "ALPHA"),
        ("project_role_changed", "lead", role.user.username, "ALPHA"),
        ("project_role_removed", "lead", role.user.username, "ALPHA"),
    ]
    assert [e["role"] for e in lines] == [
        [None, ProjectRoleKind.COORDINATOR],
        [ProjectRoleKind.COORDINATOR, ProjectRoleKind.MEMBER],
        [ProjectRoleKind.MEMBER, None],
    ]


def test_security_event_figures_export_is_recorded(client, role_users, security_log):
    cycle = factories.ReviewCycleFactory()
    client.force_login(role_users["lead"])

    client.get(reverse("reviews:figures_export", args=[cycle.year, "xlsx"]), REMOTE_ADDR=ADDRESS)

    [line] = security_log("figures_exported")
    assert (line["user"], line["address"], line["cycle"], line["kind"]) == (
        role_users["lead"].username,
        ADDRESS,
        cycle.year,
        "xlsx",
    )


def test_security_event_outside_a_request_has_no_user_address_or_request_id(security_log):
    security_event("mfa_enrolled", method="totp")

    [line] = security_log("mfa_enrolled")
    assert (line["user"], line["address"], line["request_id"], line["method"]) == (
        None,
        None,
        None,
        "totp",
    )
    assert line["level"] == "INFO"


def test_security_event_failure_names_are_warnings_and_reserved_fields_refused(security_log):
    security_event("mfa_failed", method="totp")

    assert security_log("mfa_failed")[0]["level"] == "WARNING"
    with pytest.raises(TypeError, match="address"):
        security_event("mfa_failed", address="1.2.3.4")


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [("req-0123456789", True), ("a" * 200, False), ("bad id <script>", False), ("", False)],
)
def test_request_id_kept_when_sane_else_generated(client, incoming, kept):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)

    if kept:
        assert response["X-Request-ID"] == incoming
    else:
        assert len(response["X-Request-ID"]) == 32
        assert response["X-Request-ID"] != incoming


def test_a_wrong_authenticator_code_and_an_enrolment_are_logged(
    client, security_log, django_capture_on_commit_callbacks
):
    import re

    import pyotp

    user = factories.UserFactory(username="eda-person", eda=True)
    sign_in(client, "eda-person", PASSWORD)
    client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("mfa_activate_totp"),
        {"password": PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )
    page = client.get(reverse("mfa_activate_totp"), REMOTE_ADDR=ADDRESS).content.decode()
    secret = re.search(r'value="([A-Z2-7]{16,})"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals on commit
        client.post(
            reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR=ADDRESS
        )
    client.post(reverse("account_logout"), REMOTE_ADDR=ADDRESS)
    sign_in(client, "eda-person", PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=ADDRESS)

    enrolled = security_log("mfa_enrolled")  # the app, and the recovery codes made with it
    [failed] = security_log("mfa_failed")
    assert sorted((e["username"], e["kind"], e["address"]) for e in enrolled) == [
        (user.username, "recovery_codes", ADDRESS),
        (user.username, "totp", ADDRESS),
    ]
    assert (failed["level"], failed["username"], failed["address"]) == (
        "WARNING",
        "eda-person",
        ADDRESS,
    )
