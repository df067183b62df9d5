"""Forms of the account pages: they check the input's shape; the account services decide the rest."""
from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .serializers import PASSWORD_MAX_LENGTH

country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use an ISO 3166-1 alpha-2 code such as GB."))


def _password(label, autocomplete: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=PASSWORD_MAX_LENGTH, strip=False,
                           widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}))


class CountryField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Country"), max_length=2, required=False, validators=[country_validator],
                         help_text=_("Optional, two letters (GB, RU, US): artists see only how many listeners each country has."),
                         widget=forms.TextInput(attrs={"autocomplete": "country", "size": 2}), **kwargs)

    def to_python(self, value):
        return (super().to_python(value) or "").strip().upper()


class SignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, validators=[UnicodeUsernameValidator()],
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _password(_("Password"), "new-password")
    country = CountryField()


class LoginForm(forms.Form):
    login = forms.CharField(label=_("Username or email"), max_length=254,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    password = _password(_("Password"), "current-password")

    def identity(self) -> dict:
        """The account named, as the API's login body names it."""
        value = self.cleaned_data["login"].strip()
        return {"email": value} if "@" in value else {"username": value}


class PasswordChangeForm(forms.Form):
    current_password = _password(_("Current password"), "current-password")
    password = _password(_("New password"), "new-password")
    password_again = _password(_("New password again"), "new-password")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            raise ValidationError({"password_again": _("The two new passwords differ.")})
        return data


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    country = CountryField()
    current_password = forms.CharField(
        label=_("Current password"), max_length=PASSWORD_MAX_LENGTH, strip=False, required=False,
        help_text=_("Needed only to change your email."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown fields go to the form itself)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
