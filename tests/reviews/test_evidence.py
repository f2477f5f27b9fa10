"""Evidence: files on reports (the coordinator's) and on comments (the secretariat's), their type
checked by content, their size limited, their SHA-256 recorded, downloads permission-checked."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import Workbook

from reviews import evidence, services
from reviews.enums import EvidenceKind, ReportState
from reviews.models import Attachment, Comment
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def with_macros(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"macro")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.fixture
def draft(media, project):
    return factories.StatusReportFactory(project=project, complete=True)


@pytest.fixture
def submitted(media, project):
    return factories.StatusReportFactory(
        project=project, complete=True, state=ReportState.SUBMITTED, submitted_at=timezone.now()
    )


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("minutes.pdf", PDF, EvidenceKind.PDF),
        ("photo.png", PNG, EvidenceKind.PNG),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16, EvidenceKind.JPEG),
        ("plan.docx", docx_bytes(), EvidenceKind.DOCX),
        ("budget.xlsx", xlsx_bytes(), EvidenceKind.XLSX),
    ],
)
def test_evidence_check_accepts_each_allowed_kind_by_content(name, data, kind):
    assert services.evidence_check(upload(name, data)) == (name, kind)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", PNG, "'report.pdf' is not what its name says: its content is not a PDF."),
        ("plan.docx", xlsx_bytes(), "its content is not a Word document (DOCX)"),
        ("budget.xlsx", b"PK\x03\x04 not a zip", "its content is not an Excel workbook (XLSX)"),
        ("plan.docx", with_macros(docx_bytes()), "its content is not a Word document (DOCX)"),
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60, "its content is not a PDF"),
        ("tool.exe", b"MZ\x90\x00", "'tool.exe' is not a file type evidence may be"),
        ("notes", PDF, "'notes' is not a file type evidence may be"),
        ("empty.pdf", b"", "'empty.pdf' is empty"),
    ],
)
def test_evidence_check_refuses_what_is_not_its_claimed_type(name, data, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.evidence_check(upload(name, data))


def test_evidence_check_refuses_a_file_over_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024

    with pytest.raises(ValidationError, match="is 1.5 MB: a file may be at most 1 MB"):
        services.evidence_check(upload("big.pdf", PDF + b"\x00" * (1024 * 1024 // 2 * 3)))


def test_clean_name_keeps_no_folder_and_no_control_character():
    assert evidence.clean_name("..\\..\\etc/pass\x00wd\u202e.pdf") == "passwd.pdf"
    assert evidence.clean_name("") == "evidence"
    assert len(evidence.clean_name("a" * 300 + ".pdf")) == 150


def test_attachment_add_records_name_kind_size_and_sha256_under_a_random_name(
    draft, role_users, media
):
    attachment = services.attachment_add(
        actor=role_users["coordinator"], report=draft, upload=upload("Minutes SB-3.pdf", PDF)
    )

    assert (attachment.name, attachment.kind, attachment.size, attachment.revision) == (
        "Minutes SB-3.pdf",
        EvidenceKind.PDF,
        len(PDF),
        1,
    )
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "Minutes" not in attachment.file.name
    assert attachment.file.name.startswith(f"evidence/2026/{draft.pk}/")
    assert [p.read_bytes() for p in stored_files(media)] == [PDF]


def test_attachment_add_refused_stores_nothing(draft, role_users, media):
    with pytest.raises(ValidationError):
        services.attachments_add(
            actor=role_users["coordinator"],
            report=draft,
            uploads=[upload("good.pdf", PDF), upload("bad.pdf", PNG)],
        )

    assert (Attachment.objects.count(), stored_files(media)) == (0, [])


@pytest.mark.parametrize("role", ["member", "eda", "lead", "leadership", "superuser", "staff"])
def test_attachment_add_to_a_report_by_anyone_but_its_coordinator_is_refused(
    draft, role_users, role, media
):
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=role_users[role], report=draft, upload=upload("a.pdf", PDF))
    assert stored_files(media) == []


def test_attachment_add_to_a_submitted_report_is_refused(submitted, role_users):
    with pytest.raises(ValidationError, match="is with the secretariat"):
        services.attachment_add(
            actor=role_users["coordinator"], report=submitted, upload=upload("a.pdf", PDF)
        )


def _internal_comment_with_file(report, role_users):
    return services.comment_add_with_files(
        actor=role_users["eda"],
        report=report,
        uploads=[upload("assessment-notes.pdf", PDF)],
        body="Internal remark with the EDA's notes.",
        visibility="internal",
    )


def test_attachment_on_an_internal_comment_is_secretariat_only(client, submitted, role_users):
    comment = _internal_comment_with_file(submitted, role_users)
    url = comment.attachments.get().get_absolute_url()

    def status(role: str) -> int:
        client.force_login(role_users[role])
        return client.get(url).status_code

    statuses = {role: status(role) for role in role_users}
    assert statuses == {
        "coordinator": 404,
        "member": 404,
        "eda": 200,
        "eeas": 200,
        "eums": 200,
        "lead": 200,
        "leadership": 404,
        "superuser": 200,  # reads internal comments (reviews.view_internal_comments)
        "staff": 404,
        "no_role": 404,
    }


@pytest.mark.parametrize("role", ["coordinator", "member", "leadership", "superuser", "staff"])
def test_comment_with_files_only_for_the_secretariat(submitted, role_users, role, media):
    with pytest.raises(PermissionDenied):
        services.comment_add_with_files(
            actor=role_users[role],
            report=submitted,
            uploads=[upload("a.pdf", PDF)],
            body="My file.",
        )
    assert (Comment.objects.count(), stored_files(media)) == (0, [])


def test_comment_with_a_refused_file_is_not_posted_and_its_text_is_kept(
    client, submitted, role_users
):
    client.force_login(role_users["eeas"])

    response = client.post(
        reverse("reviews:comment_create", args=[submitted.pk]),
        {"body": "Long careful remark.", "visibility": "shared", "files": [upload("x.pdf", PNG)]},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "&#x27;x.pdf&#x27; is not what its name says" in page
    assert "Long careful remark.</textarea>" in page
    assert (Comment.objects.count(), Attachment.objects.count()) == (0, 0)


def test_attachment_download_is_the_file_as_an_attachment_never_inline(client, draft, role_users):
    attachment = services.attachment_add(
        actor=role_users["coordinator"], report=draft, upload=upload("Zapisnik č. 3.pdf", PDF)
    )
    client.force_login(role_users["member"])

    response = client.get(attachment.get_absolute_url())

    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == attachment.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Zapisnik ?. 3.pdf\"; filename*=UTF-8''Zapisnik%20%C4%8D.%203.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_attachment_added_since_the_last_submission_is_only_for_the_project(
    client, submitted, role_users, other_project
):
    sent_back = submitted
    sent_back.state = ReportState.CHANGES_REQUESTED
    sent_back.save()
    attachment = services.attachment_add(
        actor=role_users["coordinator"], report=sent_back, upload=upload("new.pdf", PDF)
    )

    def status(user) -> int:
        client.force_login(user)
        return client.get(attachment.get_absolute_url()).status_code

    outsider = factories.ProjectRoleFactory(project=other_project).user
    assert [status(role_users[r]) for r in ("coordinator", "member")] == [200, 200]
    assert [status(role_users[r]) for r in ("eda", "lead", "leadership")] == [404, 404, 404]
    assert status(outsider) == 404

    sent_back.submitted_at = timezone.now()  # resubmitted
    sent_back.state = ReportState.SUBMITTED
    sent_back.save()
    assert [status(role_users[r]) for r in ("eda", "lead", "leadership")] == [200, 200, 200]


def test_attachment_upload_view_attaches_and_names_what_it_refused(client, draft, role_users):
    client.force_login(role_users["coordinator"])
    url = reverse("reviews:attachment_add", args=[draft.pk])

    client.post(url, {"files": [upload("plan.docx", docx_bytes())]})
    response = client.post(url, {"files": [upload("fake.xlsx", PDF)]}, follow=True)

    assert list(Attachment.objects.values_list("name", flat=True)) == ["plan.docx"]
    page = response.content.decode()
    assert "fake.xlsx&#x27; is not what its name says" in page
    assert "plan.docx" in page


def test_report_page_lists_the_evidence(client, draft, role_users):
    attachment = services.attachment_add(
        actor=role_users["coordinator"], report=draft, upload=upload("minutes.pdf", PDF)
    )
    client.force_login(role_users["coordinator"])

    page = client.get(draft.get_absolute_url()).content.decode()

    assert attachment.get_absolute_url() in page
    assert f"SHA-256 {attachment.sha256}" in page


def test_documents_list_each_projects_evidence_in_an_annex_without_the_files(media, role_users):
    from tests.reviews.test_documents import approved, built, docx_text, pdf_text  # noqa: PLC0415

    cycle = factories.ReviewCycleFactory(year=2026, handling_marking="LIMITE")
    report = approved(cycle, "Harbour Protection Network", "HPN")
    report.state, report.submitted_at = ReportState.DRAFT, None
    report.save()
    kept = services.attachment_add(
        actor=factories.ProjectRoleFactory(project=report.project).user,
        report=report,
        upload=upload("Test report SB-3.pdf", PDF),
    )
    report.state, report.submitted_at = ReportState.APPROVED, timezone.now()
    report.save()
    services.comment_add_with_files(
        actor=role_users["eda"],
        report=report,
        uploads=[upload("reviewer-notes.pdf", PDF)],
        body="Shared remark.",
    )

    _, files = built(cycle)

    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        annex = text[text.rindex("Annex C — Evidence") :]
        assert f"HPN Test report SB-3.pdf {len(PDF)} bytes" in annex
        assert kept.sha256 in annex.replace(" ", "")
        assert "reviewer-notes.pdf" not in text


def test_coordinator_removes_a_file_no_submission_carried_and_it_is_gone(
    client, draft, role_users, media, django_capture_on_commit_callbacks
):
    kept = services.attachment_add(
        actor=role_users["coordinator"], report=draft, upload=upload("minutes.pdf", PDF)
    )
    wrong = services.attachment_add(
        actor=role_users["coordinator"], report=draft, upload=upload("wrong.pdf", PDF)
    )
    client.force_login(role_users["coordinator"])
    page = client.get(draft.get_absolute_url()).content.decode()
    assert page.count('aria-label="Remove ') == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:attachment_remove", args=[wrong.pk]), follow=True)

    assert "Removed: wrong.pdf." in response.content.decode()
    assert list(Attachment.objects.values_list("name", flat=True)) == ["minutes.pdf"]
    assert [p.name for p in stored_files(media)] == [kept.file.name.rsplit("/", 1)[1]]


def test_a_file_a_submission_carried_stays_with_the_report(client, submitted, role_users, media):
    submitted.submitted_at = timezone.now() - timezone.timedelta(hours=1)
    submitted.save()
    attachment = factories.AttachmentFactory(
        report=submitted, uploaded_at=submitted.submitted_at - timezone.timedelta(minutes=5)
    )
    submitted.state = ReportState.CHANGES_REQUESTED
    submitted.save()

    with pytest.raises(ValidationError, match="went to the secretariat with a submission"):
        services.attachment_remove(actor=role_users["coordinator"], attachment=attachment)

    assert Attachment.objects.filter(pk=attachment.pk).exists()
    client.force_login(role_users["coordinator"])
    assert 'aria-label="Remove ' not in client.get(submitted.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("member", 403),
        ("eda", 404),
        ("lead", 404),
        ("leadership", 404),
        ("superuser", 404),
        ("staff", 404),
        ("no_role", 404),
    ],
)
def test_nobody_but_the_coordinator_removes_a_file(client, draft, role_users, media, role, status):
    attachment = services.attachment_add(
        actor=role_users["coordinator"], report=draft, upload=upload("minutes.pdf", PDF)
    )
    client.force_login(role_users[role])

    response = client.post(reverse("reviews:attachment_remove", args=[attachment.pk]))

    assert response.status_code == status
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert len(stored_files(media)) == 1
