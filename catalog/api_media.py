"""Upload, stream, download and cover endpoints (thin: parse, call a service, shape the answer)."""
from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.permissions import IsArtistOrAdmin
from catalog import transcode
from catalog.covers import cover_key
from catalog.media import (
    MediaMissing,
    StorageUnavailable,
    media_stat,
    storage_errors,
    track_display_filename,
    track_get_downloadable,
    track_get_playable,
)
from catalog.stream_plan import REQUESTABLE, content_type_of, stream_plan_for, stream_served
from catalog.streaming import Served, StreamGrant, StreamTokenAuthentication, object_response, stream_token_make
from catalog.upload_handlers import LimitedHashingUploadHandler
from etl.serializers import UploadOutputSerializer
from etl.services import UploadResult, upload_create, upload_from_url_create
from jonquils.storage import bucket_storage


def _accepted(result) -> Response:
    body = UploadOutputSerializer(result.upload).data
    body["duplicate"] = result.duplicate
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})


class UploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=None)
    cover = serializers.FileField(required=False, allow_empty_file=False, max_length=None)


class TrackUploadView(APIView):
    """POST multipart `file` (+ optional `cover`): store, register, process in the background."""

    permission_classes = [IsArtistOrAdmin]
    parser_classes = [MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body (authentication's CSRF check may read POST).
        request.upload_handlers = [LimitedHashingUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": UploadInputSerializer},
                   responses={202: UploadOutputSerializer, 400: None, 403: None, 413: None})
    def post(self, request):
        data = UploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload, cover = data.validated_data["file"], data.validated_data.get("cover")
        result = upload_create(
            uploader=request.user, source_path=upload.temporary_file_path(), original_filename=upload.name,
            checksum=upload.sha256, file_size=upload.size,
            cover_path=cover.temporary_file_path() if cover else None,
        )
        return _accepted(result)


class UploadFromUrlInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2048)


class TrackUploadFromUrlView(APIView):
    """POST {"url": ...}: 202 at once; a worker fetches it behind the SSRF guard, then it is processed.

    The status URL shows the download's progress (`fetch`: state, bytes_received, bytes_expected)
    and, when it fails, the reason (`error`).
    """

    permission_classes = [IsArtistOrAdmin]
    parser_classes = [JSONParser]

    @extend_schema(request=UploadFromUrlInputSerializer, responses={202: UploadOutputSerializer, 400: None, 403: None})
    def post(self, request):
        data = UploadFromUrlInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = upload_from_url_create(uploader=request.user, url=data.validated_data["url"])
        return _accepted(UploadResult(upload=upload, duplicate=False))


class StreamQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=REQUESTABLE, required=False,
        help_text="raw: the original; mp3/opus: a lossy transcode; flac: lossless. Omitted: the original when every "
                  "browser plays it (or Accept names it), else a transcode they all play.")
    bitrate = serializers.ChoiceField(choices=transcode.BITRATES, required=False)
    token = serializers.CharField(required=False)

    def validate(self, attrs):
        fmt = attrs.get("format")
        if "bitrate" in attrs and fmt not in ("mp3", "opus"):
            raise serializers.ValidationError({"format": ["Give a lossy format (mp3 or opus) with a bitrate."]})
        return attrs


class StorageUnavailableError(APIException):
    status_code = 503
    default_code = "storage_unavailable"
    default_detail = "The storage did not answer; try again in a moment."
    wait = 5  # DRF's handler turns it into Retry-After


def media_errors(view_method):
    """A GET on media changes nothing: a missing object is 404, a failing storage 503 (error format)."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        try:
            return view_method(self, request, *args, **kwargs)
        except MediaMissing as exc:
            raise NotFound(str(exc)) from exc
        except StorageUnavailable as exc:
            raise StorageUnavailableError(str(exc)) from exc

    return wrapper


def _plan(request, track, query):
    """The stream plan of this request: ?format=/bitrate= first, else the Accept header (catalog.stream_plan)."""
    return stream_plan_for(track, accept=request.META.get("HTTP_ACCEPT"), requested_format=query.get("format"),
                           bitrate=query.get("bitrate"))


def _original(track) -> Served:
    return stream_served(track=track, plan=stream_plan_for(track, requested_format="raw"))


class JSONErrorsOnly(DefaultContentNegotiation):
    """`?format=` names the audio format here, not a DRF renderer: errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class TrackStreamView(APIView):
    """GET the audio of a track: Range, validators, optional transcode; JWT, session or ?token=."""

    content_negotiation_class = JSONErrorsOnly
    authentication_classes = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES, StreamTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[StreamQuerySerializer], responses={
        (200, "audio/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the whole file"),
        (206, "audio/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the requested byte range"),
        302: OpenApiResponse(description="on S3: redirect to a presigned URL"),
        304: None, 400: None, 401: None, 403: None, 404: None, 406: None, 416: None, 422: None, 503: None})
    @media_errors
    def get(self, request, pk: int):
        query = StreamQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if isinstance(request.auth, StreamGrant) and request.auth.track_id != int(pk):
            raise PermissionDenied("This stream link is for another track.")
        track = track_get_playable(track_id=int(pk), user=request.user)
        plan = _plan(request, track, query.validated_data)
        # TranscodeBusy (503) and TranscodeFailed (422) are domain errors: the handler answers them.
        return object_response(request, stream_served(track=track, plan=plan))


class TrackStreamUrlView(APIView):
    """GET a short-lived URL with a stream token, for players that cannot send headers.

    The URL carries the plan decided now (same `format`/`bitrate`/Accept rule as the stream), so an
    `<audio>` element that sends `Accept: */*` gets what this request negotiated.
    """

    content_negotiation_class = JSONErrorsOnly
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[StreamQuerySerializer], responses=inline_serializer("StreamUrl", {
        "url": serializers.URLField(), "expires_in_s": serializers.IntegerField(),
        "transcoded": serializers.BooleanField(), "format": serializers.CharField(),
        "content_type": serializers.CharField()}))
    def get(self, request, pk: int):
        query = StreamQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        track = track_get_playable(track_id=int(pk), user=request.user)
        plan = _plan(request, track, query.validated_data)
        token = stream_token_make(user=request.user, track_id=track.pk)
        url = request.build_absolute_uri(reverse("api:v1:tracks-stream", kwargs={"pk": track.pk}))
        url += "?" + urlencode({**plan.query(), "token": token})  # token last: clients cut it off the end
        return Response({
            "url": url, "expires_in_s": settings.STREAM_TOKEN_TTL_S, "transcoded": plan.transcoded,
            "format": plan.fmt or track.audio_format or "original",
            "content_type": transcode.transcode_content_type(plan.fmt) if plan.transcoded else content_type_of(track),
        })


class TrackLyricsView(APIView):
    """GET a track's lyrics: plain text, and the synced lines when the file carried LRC/SYLT."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=inline_serializer("TrackLyrics", {
        "track_id": serializers.IntegerField(), "lyrics": serializers.CharField(), "lrc": serializers.CharField(),
        "synced": inline_serializer("SyncedLine", {"start_ms": serializers.IntegerField(),
                                                   "text": serializers.CharField()}, many=True)}))
    def get(self, request, pk: int):
        from catalog.audio import parse_lrc

        track = track_get_playable(track_id=int(pk), user=request.user)
        return Response({"track_id": track.pk, "lyrics": track.lyrics, "lrc": track.synced_lyrics,
                         "synced": [{"start_ms": ms, "text": text} for ms, text in parse_lrc(track.synced_lyrics)]})


class TrackDownloadView(APIView):
    """GET the original file as an attachment (the track's artist and admins only)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "audio/*"): OpenApiTypes.BINARY, 403: None, 404: None, 503: None})
    @media_errors
    def get(self, request, pk: int):
        track = track_get_downloadable(track_id=int(pk), user=request.user)
        served = _original(track)
        disposition = content_disposition_header(True, track_display_filename(track=track))
        response = object_response(request, served, allow_redirect=False)
        response["Content-Disposition"] = disposition
        return response


class CoverQuerySerializer(serializers.Serializer):
    size = serializers.ChoiceField(choices=settings.COVER_SIZES, required=False, default=300)


class TrackCoverView(APIView):
    """GET a track's cover as JPEG at 64, 300 or 600 pixels."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[CoverQuerySerializer], responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: None, 503: None})
    @media_errors
    def get(self, request, pk: int):
        query = CoverQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        track = track_get_playable(track_id=int(pk), user=request.user)
        storage = bucket_storage("covers")
        key = cover_key(track.pk, int(query.validated_data["size"]))
        stat = media_stat(storage, key, missing="This track has no cover image.")
        return object_response(request, Served(storage=storage, key=key, stat=stat, content_type="image/jpeg",
                                               etag_value=f"cover-{track.pk}-{int(stat.modified_at.timestamp())}"))


class StreamTokenScheme(OpenApiAuthenticationExtension):
    target_class = "catalog.streaming.StreamTokenAuthentication"
    name = "streamToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "query", "name": "token",
                "description": "From GET /api/v1/tracks/{id}/stream-url: one user, one track, expiring."}
