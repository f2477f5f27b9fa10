from datetime import date

import pytest
from django.db import IntegrityError, transaction

from pesco_review.accounts.enums import SecretariatBody
from projects.models import MemberState
from tests import factories

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_participation_second_current_row_for_same_state_is_refused(project):
    state = factories.MemberStateFactory()
    factories.ParticipationFactory(project=project, state=state)

    assert refused(
        lambda: factories.ParticipationFactory(project=project, state=state, observer=True)
    )


def test_participation_former_and_current_rows_for_same_state_are_allowed(project):
    state = factories.MemberStateFactory()
    factories.ParticipationFactory(
        project=project, state=state, observer=True, until=date(2020, 1, 1)
    )

    factories.ParticipationFactory(project=project, state=state)

    assert project.participations.filter(state=state).count() == 2


def test_participation_ending_before_it_starts_is_refused(project):
    assert refused(
        lambda: factories.ParticipationFactory(
            project=project, since=date(2021, 1, 1), until=date(2020, 12, 31)
        )
    )


def test_milestone_two_at_same_position_are_refused(project):
    factories.MilestoneFactory(project=project, position=1)

    assert refused(lambda: factories.MilestoneFactory(project=project, position=1))


def test_milestone_position_zero_is_refused(project):
    assert refused(lambda: factories.MilestoneFactory(project=project, position=0))


def test_project_foc_before_adoption_is_refused():
    assert refused(
        lambda: factories.ProjectFactory(adopted=date(2019, 11, 12), expected_foc=date(2019, 1, 1))
    )


def test_memberstate_code_not_iso_alpha2_is_refused():
    assert refused(
        lambda: MemberState.objects.create(code="de", name="Germany", kind="participating")
    )


def test_user_with_both_state_and_secretariat_body_is_refused():
    state = factories.MemberStateFactory()

    assert refused(
        lambda: factories.UserFactory(member_state=state, secretariat_body=SecretariatBody.EDA)
    )


def test_projectrole_two_roles_for_one_user_in_one_project_is_refused(project):
    role = factories.ProjectRoleFactory(project=project)

    assert refused(
        lambda: factories.ProjectRoleFactory(project=project, user=role.user, member=True)
    )


def test_milestone_slippage_days_is_current_minus_baseline(project):
    milestone = factories.MilestoneFactory(
        project=project, baseline_due=date(2026, 1, 1), current_due=date(2026, 3, 2)
    )

    assert milestone.slippage_days == 60


def test_milestone_date_before_pesco_existed_is_refused(project):
    assert refused(
        lambda: factories.MilestoneFactory(
            project=project, baseline_due=date(2017, 1, 1), current_due=date(2017, 1, 1)
        )
    )
    assert refused(
        lambda: factories.MilestoneFactory(project=project, achieved_on=date(2016, 5, 1))
    )
