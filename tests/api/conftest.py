from tests.api.clients import admin_user, api_client, artist_user, client_for, listener  # noqa: F401
