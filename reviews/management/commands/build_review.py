import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.models import ReviewCycle


class Command(BaseCommand):
    help = "Build a cycle's consolidated review (PDF and DOCX) into a folder, synchronously."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--output", default=".", help="Folder for the files (default: here).")

    def handle(self, *args, year: int, output: str, **options):
        from reviews.documents.build import render_documents  # noqa: PLC0415 - heavy imports
        from reviews.documents.context import build_context  # noqa: PLC0415

        cycle = ReviewCycle.objects.filter(year=year).first()
        if cycle is None:
            known = ", ".join(str(y) for y in ReviewCycle.objects.values_list("year", flat=True))
            raise CommandError(f"No review cycle {year}. Cycles: {known or 'none yet'}.")
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        interactive = sys.stdout.isatty() and options["verbosity"] > 0
        started = time.perf_counter()

        def progress(step: str, percent: int) -> None:
            if options["verbosity"] == 0:
                return
            line = f"[{percent:3d} %] {step}"
            if interactive:
                self.stdout.write(f"\r{line:<60}", ending="")
            else:
                self.stdout.write(line)

        progress("Reading the approved reports", 10)
        context = build_context(cycle=cycle, generated_by="build_review")
        built = render_documents(context, progress)
        written = []
        for extension, content in (("pdf", built.pdf), ("docx", built.docx)):
            path = folder / f"PESCO-annual-review-{year}.{extension}"
            partial = path.with_suffix(path.suffix + ".part")
            partial.write_bytes(content)
            partial.replace(path)  # written whole, then moved into place
            written.append(path)
        progress("Done", 100)
        if interactive:
            self.stdout.write("")
        seconds = time.perf_counter() - started
        for path in written:
            self.stdout.write(f"  {path} ({path.stat().st_size:,} bytes)")
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the {year} review from {context.figures.reports_approved} approved "
                f"report(s) in {seconds:.1f} s."
            )
        )
