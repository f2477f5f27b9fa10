"""Spreadsheets as a lead would upload them, written with tablib (XLSX) or as text (CSV)."""

import threading

import tablib
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from onboarding import services
from onboarding.columns import MILESTONE_COLUMNS, PEOPLE_COLUMNS

MILESTONE_HEADER = [c.name for c in MILESTONE_COLUMNS]
PEOPLE_HEADER = [c.name for c in PEOPLE_COLUMNS]


def csv_upload(text: str, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_upload(header: list, rows: list[list], name: str = "register.xlsx") -> SimpleUploadedFile:
    data = tablib.Dataset(*rows, headers=header)
    return SimpleUploadedFile(name, data.export("xlsx"), content_type="application/octet-stream")


def preview(actor, kind: str, upload):
    return services.import_preview(actor=actor, kind=kind, upload=upload)


def shown(run) -> list[tuple]:
    """(row, outcome, the first detail) of every row of the preview."""
    return [(r["row"], r["outcome"], (r["details"] or [""])[0]) for r in run.preview]


def confirm_at_once(actor, runs) -> list:
    """Confirm the runs from as many threads at the same moment: each one's result (True or
    False) or the message it was refused with."""
    results: list = []
    barrier = threading.Barrier(len(runs), timeout=5)

    def confirm(run):
        try:
            barrier.wait()
            results.append(services.import_confirm(actor=actor, run=run))
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results
