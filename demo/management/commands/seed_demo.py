import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import demo_accounts_seed
from demo.cycles import demo_cycles_seed
from demo.milestones import demo_milestones_seed
from pesco_review.outbox.services import mail_suppressed
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Create the demo accounts, milestones and review cycles (development only: needs "
        "DJANGO_DEBUG=1)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a known password and refuses to run with "
                "DJANGO_DEBUG off. Run it only on a development machine, with DJANGO_DEBUG=1."
            )
        if not Project.objects.exists():
            raise CommandError("No projects yet: run `python manage.py load_pesco` first.")
        accounts = demo_accounts_seed(password=settings.DEMO_PASSWORD)
        milestones = demo_milestones_seed()
        # The demo's workflow steps would mail every demo account: nobody reads those, so none
        # is written to the outbox.
        logging.disable(logging.INFO)  # nor their hundreds of log lines
        try:
            with mail_suppressed() as unsent:
                cycles = demo_cycles_seed()
        finally:
            logging.disable(logging.NOTSET)
        if not options["verbosity"]:
            return
        names = ", ".join(user.username for user in accounts)
        self.stdout.write(f"  demo accounts: {names}")
        self.stdout.write(f"  demo milestones created: {milestones}")
        self.stdout.write(f"  demo review cycles: {'created' if cycles else 'already there'}")
        self.stdout.write(f"  demo mail not written to the outbox: {len(unsent)}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
