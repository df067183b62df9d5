"""The shapes of the analytics reports, for the OpenAPI schema (the selectors build the dicts)."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers as s

PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (inclusive); default 29 days before `to`."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive); default today."),
    OpenApiParameter("granularity", OpenApiTypes.STR, enum=["day", "week", "month"], default="day",
                     description="Bucket size of the series."),
]


class PeriodSerializer(s.Serializer):
    from_ = s.DateField()
    to = s.DateField()
    granularity = s.ChoiceField(choices=["day", "week", "month"])

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def _series(name: str, *counts: str) -> type[s.Serializer]:
    """A serializer of one series point: the bucket's first `date` and its counts."""
    attrs = {"date": s.DateField(help_text="First day of the bucket")}
    attrs.update({count: s.IntegerField() for count in counts})
    return type(name, (s.Serializer,), attrs)


PlaysPoint = _series("PlaysPoint", "plays")
ListeningPoint = _series("ListeningPoint", "plays", "unique_listeners", "listening_time_ms")
ArtistDayPoint = _series("ArtistDayPoint", "plays", "unique_listeners", "likes", "playlist_adds")
ActiveUsersPoint = _series("ActiveUsersPoint", "active_users")
RegistrationsPoint = _series("RegistrationsPoint", "registrations")
SearchesPoint = _series("SearchesPoint", "searches")


class TopTrackSerializer(s.Serializer):
    track_id = s.IntegerField()
    title = s.CharField(allow_null=True)
    plays = s.IntegerField()


class TopNamedSerializer(s.Serializer):
    name = s.CharField(allow_null=True)
    plays = s.IntegerField()


class TopArtistSerializer(TopNamedSerializer):
    artist_id = s.IntegerField()


class TopGenreSerializer(TopNamedSerializer):
    genre_id = s.IntegerField(allow_null=True)


class PlayStatsSerializer(s.Serializer):
    period = PeriodSerializer()
    plays = s.IntegerField()
    unique_listeners = s.IntegerField()
    listening_time_ms = s.IntegerField()
    completions = s.IntegerField()
    skips = s.IntegerField()
    completion_rate = s.FloatField()
    skip_rate = s.FloatField()
    likes = s.IntegerField()
    playlist_adds = s.IntegerField()
    platforms = s.DictField(child=s.IntegerField(), help_text="Plays per platform")
    devices = s.DictField(child=s.IntegerField(), help_text="Plays per device type")


class UserReportSerializer(s.Serializer):
    user_id = s.IntegerField()
    period = PeriodSerializer()
    plays = s.IntegerField()
    listening_time_ms = s.IntegerField()
    distinct_tracks = s.IntegerField()
    top_tracks = TopTrackSerializer(many=True)
    top_artists = TopArtistSerializer(many=True)
    top_genres = TopGenreSerializer(many=True)
    plays_by_hour = s.ListField(child=s.IntegerField(), help_text="24 counts, hour 0 (UTC) first")
    plays_by_weekday = s.ListField(child=s.IntegerField(), help_text="7 counts, Monday first")
    plays_over_time = ListeningPoint(many=True, help_text="Plays and listening time per bucket of `granularity`")
    platforms = s.DictField(child=s.IntegerField(), help_text="Plays per platform")
    devices = s.DictField(child=s.IntegerField(), help_text="Plays per device type")


class TrackReportSerializer(PlayStatsSerializer):
    track_id = s.IntegerField()
    title = s.CharField()
    plays_per_day = ListeningPoint(many=True, help_text="Plays, listeners and listening time per bucket of `granularity`")


class CountrySerializer(s.Serializer):
    country = s.CharField()
    listeners = s.IntegerField()


class ArtistReportSerializer(PlayStatsSerializer):
    artist_id = s.IntegerField()
    name = s.CharField()
    plays_per_day = ArtistDayPoint(many=True, help_text="Per bucket of `granularity`")
    top_tracks = TopTrackSerializer(many=True)
    listener_countries = CountrySerializer(many=True, help_text="Known only for listeners whose account has a country")
    listeners_with_unknown_country = s.IntegerField()


class EndpointStatsSerializer(s.Serializer):
    endpoint = s.CharField(help_text="Route template, e.g. /api/v1/tracks/<pk>")
    requests = s.IntegerField()
    server_errors = s.IntegerField()
    client_errors = s.IntegerField()
    error_rate = s.FloatField()
    p50_ms = s.FloatField()
    p95_ms = s.FloatField()
    p99_ms = s.FloatField()


class ApiStatsSerializer(s.Serializer):
    requests = s.IntegerField()
    server_errors = s.IntegerField()
    error_rate = s.FloatField()
    endpoints = EndpointStatsSerializer(many=True)


class ZeroResultQuerySerializer(s.Serializer):
    query = s.CharField()
    searches = s.IntegerField()


class PlatformReportSerializer(s.Serializer):
    period = PeriodSerializer()
    active_users = s.IntegerField()
    active_users_over_time = ActiveUsersPoint(many=True)
    new_registrations = RegistrationsPoint(many=True)
    plays = s.IntegerField()
    plays_over_time = PlaysPoint(many=True)
    searches = s.IntegerField()
    searches_over_time = SearchesPoint(many=True)
    top_zero_result_queries = ZeroResultQuerySerializer(many=True)
    api = ApiStatsSerializer()
