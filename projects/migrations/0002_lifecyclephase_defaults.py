from django.db import migrations

DEFAULT_PHASES = [
    ("ideation", "Ideation"),
    ("planning", "Planning"),
    ("execution", "Execution"),
    ("full-operating-capability", "Full operating capability"),
    ("completed", "Completed"),
    ("closed", "Closed"),
]


def create_default_phases(apps, schema_editor):
    LifecyclePhase = apps.get_model("projects", "LifecyclePhase")
    for position, (slug, name) in enumerate(DEFAULT_PHASES, start=1):
        LifecyclePhase.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(create_default_phases, migrations.RunPython.noop)]
