from django import forms

from pesco_review.accounts.models import User


class AbsenceForm(forms.Form):
    absent_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Away until (inclusive)",
        help_text="Leave empty when you are back.",
    )
    deputy = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Deputy while away"
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = User.objects.filter(
            secretariat_body=user.secretariat_body, is_active=True
        ).exclude(pk=user.pk)
