from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    USER = "user", "Listener"
    ARTIST = "artist", "Artist"
    ADMIN = "admin", "Admin"


class JonquilsUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: listener, artist or admin (a superuser is always an admin)."""

    email = models.EmailField("email address", max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Optional and given by the listener: it is what lets an artist see where the audience is
    # (analytics "listeners' countries, if known"); IPs are never geolocated.
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2 code, e.g. GB")
    # Part of what signs a stream link (catalog/streaming.py), with the password hash: bumped at
    # every sign-out, so a logout revokes the links handed out before it.
    token_generation = models.PositiveIntegerField(default=0, editable=False)
    # created_at replaces AbstractUser.date_joined: one timestamp, the seed's name.
    date_joined = None

    objects = JonquilsUserManager()

    class Meta:
        db_table = "users"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="users_username_ci_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="users_role_valid"),
            models.CheckConstraint(condition=~models.Q(email=""), name="users_email_not_empty"),
            models.CheckConstraint(condition=models.Q(country="") | models.Q(country__regex=r"^[A-Z]{2}$"),
                                   name="users_country_iso2"),
        ]

    def save(self, *args, **kwargs):
        if self.is_superuser:
            self.role = Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_artist(self) -> bool:
        return self.role == Role.ARTIST


class SubsonicCredential(models.Model):
    """A user's Subsonic password (encrypted, readable back for token auth) and OpenSubsonic API key (hashed).

    Separate from the account password, which is only ever stored as a one-way hash.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="subsonic_credential")
    password_encrypted = models.TextField(help_text="Fernet token (accounts.subsonic_credentials), never the plain text")
    api_key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the API key, hex")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "subsonic_credentials"

    def __str__(self) -> str:
        return f"Subsonic credentials of {self.user_id}"

class AuditAction(models.TextChoices):
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    TOKEN_REUSE = "token_reuse", "Refresh token reuse detected"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    ROLE_CHANGED = "role_changed", "Role changed"
    ACTIVE_CHANGED = "active_changed", "Activated or deactivated"
    PRIVILEGES_CHANGED = "privileges_changed", "Staff or superuser status changed"
    USER_DELETED = "user_deleted", "Account deleted"
    SUBSONIC_ISSUED = "subsonic_issued", "Subsonic credentials made"
    SUBSONIC_REVOKED = "subsonic_revoked", "Subsonic credentials revoked"


class AuditEvent(models.Model):
    """One security event: who did what to whom, when, from where (accounts.audit.record writes it).

    Names are copied next to the foreign keys so an entry still says who it was about after
    the account is deleted (the keys are then set to NULL).
    """

    created_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    target = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "audit_log"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_log_created_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_log_action_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_log_actor_idx"),
            models.Index(fields=["target", "-created_at"], name="audit_log_target_idx"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="audit_log_action_valid")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_username or '-'} by {self.actor_username or '-'}"
