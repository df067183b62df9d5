"""The published OpenAPI schema and its documentation pages."""
from __future__ import annotations

import json

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    # --fail-on-warn turns every drf-spectacular warning (an endpoint it could not describe) into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.parametrize("path", ["/api/schema", "/api/schema/"])
def test_schema_is_served_with_and_without_trailing_slash(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "JONQUILS API"


def test_every_operation_documents_its_error_responses_with_the_error_component(schema):
    error_ref = "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"error", "detail"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            errors = {code: r for code, r in responses.items() if code.startswith(("4", "5"))}
            assert "429" in errors, (method, path)
            for code, response in errors.items():
                assert response["content"]["application/json"]["schema"]["$ref"] == error_ref, (method, path, code)
            assert errors["429"]["headers"]["Retry-After"]["required"] is True
            if method in {"post", "put", "patch"}:
                assert "400" in errors, (method, path)
            if {"jwtAuth": []} in operation.get("security", []):
                assert {"401", "403"} <= set(errors), (method, path)


def test_accounts_operations_are_fully_described(schema):
    paths = schema["paths"]
    login = paths["/api/v1/auth/login/"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/LoginInputRequest")
    assert login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/TokenPairOutput")
    assert "401" in login["responses"]
    assert paths["/api/v1/auth/register/"]["post"]["responses"]["201"]
    assert paths["/api/v1/auth/logout/"]["post"]["responses"]["204"]
    assert {"get", "patch"} <= set(paths["/api/v1/auth/me/"])
    users = paths["/api/v1/users/"]["get"]
    assert {p["name"] for p in users["parameters"]} >= {"page", "page_size", "role", "is_active", "q", "ordering"}
    assert set(paths["/api/v1/users/{id}/"]) >= {"get", "patch"} and "put" not in paths["/api/v1/users/{id}/"]
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


@pytest.mark.parametrize(("path", "marker"), [("/docs", "swagger-ui"), ("/docs/", "swagger-ui"), ("/redoc", "redoc")])
def test_documentation_pages_use_local_assets_only(client, path, marker):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert marker in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_sidecar_assets_exist_for_the_pages():
    from django.contrib.staticfiles import finders

    for asset in ("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
                  "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"):
        assert finders.find(asset), asset


SEARCH_KINDS = {
    "tracks": ("TrackHit", {"title", "artist", "artists", "display_artist", "album", "genre", "duration_ms", "tempo", "energy"}),
    "artists": ("ArtistHit", {"name", "country"}),
    "albums": ("AlbumHit", {"title", "artist", "artists", "display_artist", "release_date"}),
    "playlists": ("PlaylistHit", {"title", "description", "is_public", "owner"}),
}


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref") or (node.get("allOf") or [{}])[0].get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else node


def test_each_search_kind_is_its_own_operation_with_typed_results(schema):
    paths = schema["paths"]
    assert not [p for p in paths if "{kind}" in p]  # no more one operation for four shapes
    operation_ids = set()
    for kind, (component, fields) in SEARCH_KINDS.items():
        operation = paths[f"/api/v1/search/{kind}/"]["get"]
        operation_ids.add(operation["operationId"])
        page = _resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert set(page["properties"]) == {"count", "next", "previous", "results"}
        item = page["properties"]["results"]["items"]
        assert item["$ref"] == f"#/components/schemas/{component}"
        hit = _resolve(schema, item)
        assert set(hit["properties"]) == {"entity", "id", "score", "popularity", *fields}
        assert set(hit["required"]) == set(hit["properties"])
        assert _resolve(schema, hit["properties"]["entity"])["enum"] == [kind[:-1]]
        assert {"q", "page", "page_size"} <= {p["name"] for p in operation["parameters"]}
    assert operation_ids == {"search_tracks", "search_artists", "search_albums", "search_playlists"}
    track_hit = _resolve(schema, {"$ref": "#/components/schemas/TrackHit"})
    assert set(_resolve(schema, track_hit["properties"]["artist"])["properties"]) == {"id", "name"}
    # Filters are listed only where they narrow the results.
    params = {kind: {p["name"] for p in paths[f"/api/v1/search/{kind}/"]["get"]["parameters"]} for kind in SEARCH_KINDS}
    assert {"tempo_min", "energy_max", "year_min", "genre", "artist"} <= params["tracks"]
    assert "tempo_min" not in params["artists"] and "genre" in params["artists"]
    assert params["playlists"] == {"q", "page", "page_size"}
    suggest = paths["/api/v1/search/suggest/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert _resolve(schema, suggest)["properties"]["results"]["type"] == "array"
