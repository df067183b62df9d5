"""Celery tasks of accounts: thin wrappers around services."""
from celery import shared_task

from .tokens import tokens_flush_expired


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens_task() -> int:
    """Keep the token blacklist tables small: expired tokens need no record (daily is enough)."""
    return tokens_flush_expired()
