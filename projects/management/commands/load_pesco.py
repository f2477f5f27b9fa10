import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from projects.services import pesco_data_load


class Command(BaseCommand):
    help = "Load or update the public PESCO data set (states, projects, participations)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(settings.PESCO_DATA_FILE),
            help="The data set (default: data/pesco_projects.json).",
        )

    def handle(self, *args, path: str, **options):
        file = Path(path)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise CommandError(f"No data set at {file}.") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        try:
            report = pesco_data_load(data=data)
        except ValidationError as error:
            raise CommandError(
                "The data set was not loaded:\n" + "\n".join(error.messages)
            ) from error
        if not options["verbosity"]:
            return
        for line in report.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {file.name}."))
