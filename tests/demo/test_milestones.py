import json

import pytest
from django.conf import settings

from demo.milestones import demo_milestones_seed
from projects.models import Milestone
from projects.services import pesco_data_load

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dataset() -> dict:
    return json.loads(settings.PESCO_DATA_FILE.read_text(encoding="utf-8"))


def test_demo_milestones_seed_only_projects_in_review_and_marked_demo(dataset):
    pesco_data_load(data=dataset)

    created = demo_milestones_seed()

    assert created == 70 * 5
    assert Milestone.objects.filter(is_demo=False).count() == 0
    assert not Milestone.objects.filter(project__acronym="EUFOR CROC").exists()
    assert demo_milestones_seed() == 0
