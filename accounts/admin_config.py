"""django.contrib.admin with the project's admin site (its login meets the sign-in limits)."""
from django.contrib.admin.apps import AdminConfig


class JonquilsAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.JonquilsAdminSite"
