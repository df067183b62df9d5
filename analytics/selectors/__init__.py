"""Analytics reads (ClickHouse): dashboards for users, tracks, artists and the platform; ETL inputs."""
from .listening import artist_report, track_report, user_listening_report
from .platform import platform_report
from .popularity import daily_artist_plays, daily_track_plays, track_popularity

__all__ = [
    "artist_report", "daily_artist_plays", "daily_track_plays", "platform_report", "track_popularity",
    "track_report", "user_listening_report",
]
