"""Forms accept only the fields a role may set; everything else in a POST is ignored."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.forms import modelformset_factory

from pesco_review.accounts.enums import SecretariatBody
from reviews.enums import CommentVisibility, MilestoneStatus
from reviews.models import MilestoneUpdate, ReviewCycle, StatusReport, narrative_max_length
from reviews.services import CYCLE_EDITABLE

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CycleForm(forms.ModelForm):
    required_bodies = forms.MultipleChoiceField(
        choices=SecretariatBody.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[b.value for b in SecretariatBody],
        help_text="A report is approved when every body ticked here has approved it.",
    )
    reminder_days_before = forms.CharField(
        initial="14, 3", help_text="Comma-separated days before the submission deadline."
    )
    reminder_days_after = forms.CharField(
        initial="1, 7", help_text="Comma-separated days after the submission deadline."
    )

    class Meta:
        model = ReviewCycle
        fields = ["year", *CYCLE_EDITABLE]
        widgets = {"opens": DATE, "submission_deadline": DATE, "review_deadline": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("reminder_days_before", "reminder_days_after"):
                self.initial[name] = ", ".join(str(d) for d in getattr(self.instance, name))

    def _days(self, name: str) -> list[int]:
        raw = self.cleaned_data.get(name, "")
        try:
            days = sorted({int(part) for part in raw.replace(";", ",").split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError(
                "Give whole numbers of days separated by commas, for example 14, 3."
            ) from None
        if any(d < 0 or d > 365 for d in days):
            raise forms.ValidationError("Each number of days must be between 0 and 365.")
        return days

    def clean_reminder_days_before(self) -> list[int]:
        return self._days("reminder_days_before")

    def clean_reminder_days_after(self) -> list[int]:
        return self._days("reminder_days_after")

    def clean(self):
        data = super().clean()
        opens, due, review = (
            data.get("opens"),
            data.get("submission_deadline"),
            data.get("review_deadline"),
        )
        if opens and due and due < opens:
            self.add_error("submission_deadline", "The submission deadline is before the opening.")
        if due and review and review < due:
            self.add_error(
                "review_deadline", "The review deadline is before the submission deadline."
            )
        return data


class ReportForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = StatusReport
        fields = ["assessment", "phase_reported", *StatusReport.NARRATIVE_FIELDS]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4}) for name in StatusReport.NARRATIVE_FIELDS
        }
        help_texts = {
            "phase_reported": "“Not recorded” is a valid answer where the phase is not known.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase_reported"].empty_label = "Not recorded"
        limit = narrative_max_length()
        for name in StatusReport.NARRATIVE_FIELDS:
            # The browser stops at the limit and shows a counter (static/js/counter.js).
            self.fields[name].widget.attrs.update({"maxlength": limit, "data-counter": ""})


class MilestoneUpdateForm(forms.ModelForm):
    class Meta:
        model = MilestoneUpdate
        fields = ["status", "percent_complete", "forecast_date", "achieved_on", "narrative"]
        widgets = {
            "forecast_date": DATE,
            "achieved_on": DATE,
            "narrative": forms.Textarea(attrs={"rows": 2, "data-counter": ""}),
            "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["narrative"].widget.attrs["maxlength"] = narrative_max_length()

    def clean(self):
        data = super().clean()
        achieved = data.get("status") == MilestoneStatus.ACHIEVED
        if achieved and data.get("percent_complete") not in (None, 100):
            self.add_error("percent_complete", "An achieved milestone is 100 % complete.")
        return data


MilestoneUpdateFormSet = modelformset_factory(
    MilestoneUpdate, form=MilestoneUpdateForm, extra=0, can_delete=False
)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")
    visibility = forms.ChoiceField(
        choices=CommentVisibility.choices, initial=CommentVisibility.SHARED, required=False
    )
    update = forms.IntegerField(required=False, widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AssessmentForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Assessment",
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.fields["text"]
        text.max_length = narrative_max_length()
        text.validators.append(MaxLengthValidator(text.max_length))
        text.widget.attrs["maxlength"] = text.max_length


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ExtensionForm(forms.Form):
    until = forms.DateField(widget=DATE, label="Extended deadline")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class BaselineForm(forms.Form):
    baseline_due = forms.DateField(widget=DATE, label="New baseline date")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=200)
    proposed_due = forms.DateField(widget=DATE, label="Proposed due date")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
