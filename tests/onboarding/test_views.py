"""The lead's import pages: the templates (the register's own rows, which import back as
unchanged), the upload that keeps the page on bad input, the preview, confirm and discard."""

import html
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from onboarding.enums import ImportKind, ImportState
from onboarding.models import ImportRun
from projects.models import Milestone
from tests import factories
from tests.onboarding.helpers import MILESTONE_HEADER, csv_upload

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def lead_client(client, role_users):
    client.force_login(role_users["lead"])
    return client


def test_the_xlsx_template_holds_the_real_register_and_imports_back_unchanged(lead_client, project):
    factories.MilestoneFactory(project=project, position=1, title='=HYPERLINK("x")')
    factories.MilestoneFactory(project=project, position=2, title="- first step")
    factories.MilestoneFactory(project=project, position=3, title="Invented", is_demo=True)

    response = lead_client.get(reverse("onboarding:template", args=["milestones", "xlsx"]))

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Milestones", "Instructions"]
    rows = list(book["Milestones"].values)
    assert rows[0] == tuple(MILESTONE_HEADER)
    assert [r[:3] for r in rows[1:]] == [
        ("ALPHA", 1, '\'=HYPERLINK("x")'),
        ("ALPHA", 2, "'- first step"),
    ]
    assert response["Content-Disposition"] == 'attachment; filename="pesco-milestones.xlsx"'
    upload = io.BytesIO(response.content)
    upload.name = "pesco-milestones.xlsx"
    preview = lead_client.post(
        reverse("onboarding:imports"), {"kind": "milestones", "file": upload}
    )
    run = ImportRun.objects.get()
    assert preview.url == run.get_absolute_url()
    assert run.counts == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}


def test_the_csv_template_of_people_imports_back_unchanged(lead_client, role_users, project):
    state = factories.MemberStateFactory(code="DE", name="Germany")
    factories.ParticipationFactory(project=project, state=state, coordinator=True)
    coordinator = role_users["coordinator"]
    coordinator.email, coordinator.member_state = "c@example.org", state
    coordinator.save()

    response = lead_client.get(reverse("onboarding:template", args=["people", "csv"]))

    text = response.content.decode("utf-8-sig")
    assert (
        text.splitlines()[1] == f"Test,{coordinator.last_name},c@example.org,DE,ALPHA,coordinator"
    )
    lead_client.post(reverse("onboarding:imports"), {"kind": "people", "file": csv_upload(text)})
    assert ImportRun.objects.get().counts == {"new": 0, "changed": 0, "unchanged": 1, "error": 0}


def test_the_preview_page_lists_errors_first_and_offers_no_confirmation(lead_client, project):
    text = "\n".join(
        [",".join(MILESTONE_HEADER), "ALPHA,1,First,,2027-03-31", "ALPHA,2,,,2027-03-31"]
    )
    lead_client.post(
        reverse("onboarding:imports"), {"kind": "milestones", "file": csv_upload(text)}
    )
    run = ImportRun.objects.get()

    page = _text(lead_client.get(run.get_absolute_url()))

    assert (
        "1 row cannot be imported (listed first below), so nothing of this file will be written."
        in page
    )
    assert page.index("3 Error ALPHA M2 The title is missing.") < page.index(
        "2 New ALPHA M1: First"
    )
    assert "Confirm" not in page


def test_confirm_on_the_page_writes_and_says_what(lead_client, project):
    text = "\n".join([",".join(MILESTONE_HEADER), "ALPHA,1,First,,2027-03-31"])
    lead_client.post(
        reverse("onboarding:imports"), {"kind": "milestones", "file": csv_upload(text)}
    )
    run = ImportRun.objects.get()
    assert "Confirm: write 1 row" in _text(lead_client.get(run.get_absolute_url()))

    response = lead_client.post(run.get_absolute_url(), {"action": "confirm"}, follow=True)

    assert "Imported: 1 new, 0 changed, 0 unchanged." in _text(response)
    assert Milestone.objects.get().title == "First"
    assert "Applied on" in _text(response)


def test_discard_on_the_page_writes_nothing(lead_client, project):
    text = "\n".join([",".join(MILESTONE_HEADER), "ALPHA,1,First,,2027-03-31"])
    lead_client.post(
        reverse("onboarding:imports"), {"kind": "milestones", "file": csv_upload(text)}
    )
    run = ImportRun.objects.get()

    response = lead_client.post(run.get_absolute_url(), {"action": "discard"}, follow=True)

    assert "The import is discarded: nothing of it was written." in _text(response)
    assert ImportRun.objects.get().state == ImportState.DISCARDED
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [({}, "Choose the spreadsheet to import."), ({"file": csv_upload("")}, "The file is empty")],
)
def test_an_upload_without_a_file_shows_the_page_again_with_the_message(
    lead_client, files, message
):
    response = lead_client.post(reverse("onboarding:imports"), {"kind": "people", **files})

    assert response.status_code == 400
    assert message in _text(response)
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "people.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "'people.xls' is an Excel 97–2003 workbook (.xls).",
        ),
        (
            "people.xlsx",
            b"PK\x03\x04 not really a zip",
            "'people.xlsx' could not be read as an Excel workbook",
        ),
        (
            "people.csv",
            "Prénom;Nom\nÉlise;Été\n".encode("cp1252"),
            "'people.csv' is not UTF-8 text",
        ),
        (
            "people.csv",
            b"Name,Mail\nA,B\n",
            "The file has no column 'First name', 'Last name', 'E-mail', 'Member state', "
            "'Project', 'Role'.",
        ),
        (
            "people.csv",
            b"First name,Last name,E-mail,Member state,Project,Role\n",
            "The file has no rows below the column names.",
        ),
        (
            "people.csv",
            b"First name,Last name,E-mail,Member state,Project,Role\n"
            b"A,B,c@d.org,DE,X,member,extra,more\n",
            "'people.csv' row 2 has more cells than the first row has column names.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_says_why_and_cannot_be_confirmed(
    lead_client, name, content, message
):
    upload = io.BytesIO(content)
    upload.name = name

    response = lead_client.post(
        reverse("onboarding:imports"), {"kind": "people", "file": upload}, follow=True
    )

    run = ImportRun.objects.get()
    assert message in run.file_errors[0]
    assert message in _text(response)
    assert not run.is_applicable


def test_a_column_the_import_does_not_read_is_named(lead_client, project):
    text = "Project,Position,Title,Baseline due date,Owner\nALPHA,1,First,2027-03-31,me\n"

    lead_client.post(
        reverse("onboarding:imports"), {"kind": "milestones", "file": csv_upload(text)}
    )

    assert ImportRun.objects.get().notes == ["The column 'Owner' is not read."]


def test_the_imports_page_costs_the_same_queries_with_one_import_or_many(
    lead_client, role_users, django_assert_num_queries
):
    url = reverse("onboarding:imports")
    ImportRun.objects.create(
        kind=ImportKind.PEOPLE, file_name="a.csv", sha256="0" * 64, uploaded_by=role_users["lead"]
    )
    lead_client.get(url)
    with django_assert_num_queries(3):
        lead_client.get(url)
    for n in range(30):
        ImportRun.objects.create(
            kind=ImportKind.MILESTONES,
            file_name=f"{n}.csv",
            sha256="0" * 64,
            uploaded_by=role_users["lead"],
        )
    with django_assert_num_queries(3):
        page = lead_client.get(url)
    assert (
        page.content.decode().count('href="/imports/') == 20 + 4 + 1
    )  # 20 recent, 4 templates, the menu
