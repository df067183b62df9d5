"""Subsonic API settings (/rest/, jonquils/subsonic); jonquils/settings.py imports them all."""
import environ

env = environ.Env()

# Keys that encrypt the stored Subsonic passwords (Fernet, urlsafe base64 of 32 bytes): the first
# encrypts, every one decrypts, so a new key goes first and the old one stays until
# `manage.py subsonic_rekey` has re-encrypted every password. Empty: one derived from SECRET_KEY.
SUBSONIC_CREDENTIAL_KEYS = env.list("SUBSONIC_CREDENTIAL_KEYS", default=[])
# Transcoded streams a user may have waiting or running at once (the server-wide cap is
# TRANSCODE_MAX_CONCURRENT); past it a Subsonic stream answers error 0 with a retry hint.
SUBSONIC_TRANSCODES_PER_USER = env.int("SUBSONIC_TRANSCODES_PER_USER", default=2)
# Transcode requests that may wait for a slot on the whole server; past it they are refused at once.
SUBSONIC_TRANSCODE_QUEUE = env.int("SUBSONIC_TRANSCODE_QUEUE", default=16)
