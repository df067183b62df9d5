"""Input and output shapes of the accounts API. Rules live in services; these check form and type."""
from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from jonquils.api.fields import country_field

from .models import Role, User

PASSWORD_MAX_LENGTH = 256  # bounds the Argon2 work one request can ask for
TOKEN_MAX_LENGTH = 4096


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"invalid_type": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_type")
        return super().to_internal_value(data)


def _username_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=150, validators=[UnicodeUsernameValidator()], **kwargs)


def _password_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=PASSWORD_MAX_LENGTH, write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


class RegisterInputSerializer(serializers.Serializer):
    username = _username_field()
    email = StrictEmailField(max_length=254)
    password = _password_field()
    country = country_field(help_text="Optional; shown to artists only as a count of listeners per country.")


class LoginInputSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150, required=False, help_text="Give the username or the email, not both.")
    email = StrictCharField(max_length=254, required=False)
    password = _password_field()

    def validate(self, attrs):
        if bool(attrs.get("username")) == bool(attrs.get("email")):
            raise serializers.ValidationError("Give either a username or an email, with the password.")
        return attrs


class RefreshInputSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=TOKEN_MAX_LENGTH, trim_whitespace=False)


class LogoutInputSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=TOKEN_MAX_LENGTH, trim_whitespace=False)
    all_devices = serializers.BooleanField(default=False, help_text="Also revoke every other refresh token of the account.")


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Bearer token for the Authorization header; short-lived.")
    refresh = serializers.CharField(help_text="Trade it at /auth/refresh for a new pair; it works once.")


class ProfileOutputSerializer(serializers.ModelSerializer):
    artist_id = serializers.IntegerField(source="artist_profile.id", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "country", "role", "artist_id", "created_at",
                  "last_login"]
        read_only_fields = fields


class RegisterOutputSerializer(serializers.Serializer):
    user = ProfileOutputSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class ProfileUpdateInputSerializer(serializers.Serializer):
    username = _username_field(required=False)
    email = StrictEmailField(max_length=254, required=False)
    first_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    country = country_field(help_text="ISO 3166-1 alpha-2 code; an empty string clears it.")
    password = _password_field(required=False, help_text="New password; needs current_password.")
    current_password = _password_field(required=False, help_text="Needed to change the password or the email.")


class UserAdminOutputSerializer(serializers.ModelSerializer):
    artist_id = serializers.IntegerField(source="artist_profile.id", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id", "username", "email", "first_name", "last_name", "country", "role", "artist_id",
            "is_active", "is_staff", "is_superuser", "created_at", "last_login",
        ]
        read_only_fields = fields


class UserAdminUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    artist_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False,
        help_text="With role=artist: link this existing artist profile instead of creating one.",
    )


class AuditEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    action = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_username = serializers.CharField()
    target_id = serializers.IntegerField(allow_null=True)
    target_username = serializers.CharField()
    ip_address = serializers.CharField(allow_null=True)
    details = serializers.JSONField()
