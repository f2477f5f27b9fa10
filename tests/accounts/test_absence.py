from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pesco_review.accounts.services import absence_set
from reviews.notifications import reviewers_of
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def eda_pair():
    away = factories.UserFactory(eda=True, email="away@eda.example")
    deputy = factories.UserFactory(eda=True, email="deputy@eda.example")
    factories.enrol_totp(away)  # the secretariat signs in with a second factor
    return away, deputy


def test_absence_set_deputy_of_same_body_receives_the_mail(eda_pair):
    away, deputy = eda_pair
    today = timezone.localdate()

    absence_set(actor=away, absent_until=today + timedelta(days=10), deputy=deputy)

    assert reviewers_of(["EDA"], today=today) == {"EDA": [(deputy.pk, "deputy@eda.example")]}
    after = today + timedelta(days=11)
    assert sorted(reviewers_of(["EDA"], today=after)["EDA"]) == sorted(
        [(away.pk, "away@eda.example"), (deputy.pk, "deputy@eda.example")]
    )


@pytest.mark.parametrize("other", ["self", "eums", "inactive", "none"])
def test_absence_set_unsuitable_deputy_is_refused(eda_pair, other):
    away, deputy = eda_pair
    candidate = {
        "self": away,
        "eums": factories.UserFactory(eums=True),
        "inactive": factories.UserFactory(eda=True, is_active=False),
        "none": None,
    }[other]

    with pytest.raises(ValidationError):
        absence_set(actor=away, absent_until=date(2030, 1, 1), deputy=candidate)

    away.refresh_from_db()
    assert (away.absent_until, away.deputy) == (None, None)


def test_absence_page_reviewer_names_deputy_and_others_are_refused(client, eda_pair, role_users):
    away, deputy = eda_pair
    client.force_login(away)

    response = client.post(
        reverse("absence"), {"absent_until": "2030-01-31", "deputy": str(deputy.pk)}, follow=True
    )

    away.refresh_from_db()
    assert (away.absent_until, away.deputy) == (date(2030, 1, 31), deputy)
    assert "Until 31 January 2030" in response.text
    for role in ("coordinator", "lead", "leadership"):
        client.force_login(role_users[role])
        assert client.get(reverse("absence")).status_code == 403


def test_absence_page_offers_only_reviewers_of_the_same_body(client, eda_pair):
    away, deputy = eda_pair
    factories.UserFactory(eums=True, username="eums-person")
    client.force_login(away)

    response = client.get(reverse("absence"))

    assert list(response.context["form"].fields["deputy"].queryset) == [deputy]
