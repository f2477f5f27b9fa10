from django import forms

from onboarding.enums import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, widget=forms.HiddenInput)
    file = forms.FileField(
        label="Spreadsheet",
        help_text="XLSX or CSV, with the template's column names in its first row.",
        error_messages={
            "required": "Choose the spreadsheet to import.",
            "empty": "The file is empty: choose the filled-in spreadsheet.",
        },
    )
