from tests.api.clients import _fast_argon2, admin_user, api_client, artist_user, client_for, listener  # noqa: F401
