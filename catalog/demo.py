"""A small, realistic demo catalog with real audio: `python manage.py create_test_data`.

Idempotent: every row is found by its natural key before it is created, audio is encoded
only when its object is missing, and listening history is generated once.
"""
from __future__ import annotations

import hashlib
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from analytics.models import DeviceType, ListeningHistory, Platform
from etl.models import RegistryStatus, S3FileRegistry
from jonquils.storage import bucket_storage, object_stat, save_file
from playlists.models import Favorite, Playlist, PlaylistTrack

from .audio_synthesis import Piece, encode, synthesize
from .models import Album, Artist, Genre, ProcessingStatus, Track

# Streaming, downloads, transcodes and the pipeline read originals from this bucket.
TRACKS_BUCKET = "tracks"

GENRES = {
    "Rock": "Guitars, drums and a backbeat.",
    "Electronic": "Synthesisers and drum machines.",
    "Jazz": "Swing, improvisation and extended chords.",
    "Folk": "Acoustic songs from many traditions.",
    "Classical": "Orchestral and chamber music.",
    "Hip-Hop": "Beats and rhymes.",
}

# artist, country, genre, sound (bpm, root Hz, harmonics, loudness), albums {title: (year, [tracks])}
CATALOG = [
    ("Velvet Harbour", "GB", "Rock", (128, 196.0, 6, 0.9), {
        "Low Tide Lights": (2019, ["Harbour Walls", "Salt in the Wires", "Northbound"]),
        "Breakwater": (2022, ["Gulls at Dawn", "Static Sea"]),
    }),
    ("Kite Machine", "DE", "Electronic", (124, 110.0, 8, 0.8), {
        "Signal Garden": (2021, ["Oscillate", "Pulse Width", "Night Bus Loop"]),
    }),
    ("Nadia Okafor", "NG", "Jazz", (92, 233.1, 2, 0.5), {
        "Lagos Blue Hour": (2018, ["Blue Hour", "Third Mainland", "Rain on Zinc"]),
    }),
    ("Los Días Largos", "ES", "Folk", (100, 261.6, 3, 0.45), {
        "Canciones del Camino": (2020, ["Camino Viejo", "La Sobremesa", "Olivos"]),
    }),
    ("Полярная Ночь", "RU", "Electronic", (138, 146.8, 7, 0.85), {
        "Северное Сияние": (2023, ["Мурманск", "Ледокол"]),
    }),
    ("Mira Satō", "JP", "Classical", (72, 293.7, 1, 0.35), {
        "Études for Quiet Rooms": (2017, ["Étude No. 1", "Étude No. 2", "Étude No. 3"]),
    }),
    ("Beats & Bytes", "US", "Hip-Hop", (88, 98.0, 5, 0.95), {
        "Boom Bap Basics": (2024, ["Cold Open", "Sample Clearance"]),
    }),
]

# listener: country ("" = not given, as many real accounts leave it)
LISTENERS = {"listener1": "GB", "listener2": "BR", "listener3": ""}
ARTIST_ACCOUNTS = {"velvet": "Velvet Harbour", "kite": "Kite Machine"}
DEMO_SECONDS = 6.0
LISTENS = 180


@dataclass
class DemoSummary:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, was_created: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(was_created)


def _track_key(artist: str, title: str) -> str:
    digest = hashlib.sha256(f"{artist}\x00{title}".encode()).hexdigest()[:20]
    return f"demo/{digest}.mp3"


def _ensure_audio(track: Track, piece: Piece) -> None:
    """Encode the track's audio once into the `tracks` bucket; fill the file fields from the bytes.

    The object is registered as processed in etl.s3_file_registry, so the pipeline's extract step
    knows it and never takes it for a hand-dropped file.
    """
    storage = bucket_storage(TRACKS_BUCKET)
    key = _track_key(track.artist.name, track.title)
    stat = object_stat(storage, key)
    if not (track.file_path == key and stat is not None and stat.size == track.file_size
            and track.processing_status == ProcessingStatus.READY):
        data = encode(synthesize(piece), "mp3")
        if stat is not None:
            storage.delete(key)
        with tempfile.NamedTemporaryFile(suffix=".mp3") as handle:
            handle.write(data)
            handle.flush()
            save_file(storage, key, handle.name, content_type="audio/mpeg")
        track.file_path = key
        track.file_size = len(data)
        track.mime_type = "audio/mpeg"
        track.checksum = hashlib.sha256(data).hexdigest()
        track.duration_ms = int(piece.seconds * 1000)
        track.tempo = float(piece.bpm)
        # The synthesiser's loudness is the signal's peak; it stands in for measured energy here.
        track.energy = round(piece.loudness, 3)
        track.processing_status = ProcessingStatus.READY
        track.save()
    wanted = {"status": RegistryStatus.PROCESSED, "track_id": track.pk, "checksum": track.checksum,
              "file_size": track.file_size, "error_message": ""}
    entry, created = S3FileRegistry.objects.get_or_create(
        bucket_name=TRACKS_BUCKET, file_path=key, defaults={**wanted, "processed_at": timezone.now()})
    if not created and any(getattr(entry, name) != value for name, value in wanted.items()):
        S3FileRegistry.objects.filter(pk=entry.pk).update(**wanted, processed_at=timezone.now())


def _ensure_user(summary: DemoSummary, username: str, role: str, password: str, country: str = "") -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.jonquils.local", "role": role, "country": country}
    )
    if created:
        user.set_password(password)
        user.save()
    summary.count("users", created)
    return user


@transaction.atomic
def demo_catalog_create(*, password: str, seed: int = 7) -> DemoSummary:
    summary = DemoSummary()
    rng = random.Random(seed)
    genres = {}
    for name, description in GENRES.items():
        genres[name], created = Genre.objects.get_or_create(name=name, defaults={"description": description})
        summary.count("genres", created)

    artist_users = {name: _ensure_user(summary, f"artist_{handle}", Role.ARTIST, password)
                    for handle, name in ARTIST_ACCOUNTS.items()}
    listeners = [_ensure_user(summary, name, Role.USER, password, country) for name, country in LISTENERS.items()]

    tracks: list[Track] = []
    for artist_name, country, genre_name, (bpm, root, harmonics, loudness), albums in CATALOG:
        artist, created = Artist.objects.get_or_create(
            name=artist_name,
            defaults={"country": country, "bio": f"{artist_name} play {genre_name.lower()} music.",
                      "user": artist_users.get(artist_name)},
        )
        summary.count("artists", created)
        for album_title, (year, titles) in albums.items():
            album, created = Album.objects.get_or_create(
                artist=artist, title=album_title, defaults={"release_date": date(year, 3, 1)}
            )
            summary.count("albums", created)
            for number, title in enumerate(titles, start=1):
                track, created = Track.objects.get_or_create(
                    artist=artist, title=title,
                    defaults={"album": album, "genre": genres[genre_name], "track_number": number, "disc_number": 1,
                              "popularity": round(rng.uniform(0, 100), 2)},
                )
                summary.count("tracks", created)
                piece = Piece(seconds=DEMO_SECONDS, bpm=bpm, root_hz=root * (1 + 0.06 * number),
                              harmonics=harmonics, loudness=loudness,
                              seed=int(hashlib.sha256(title.encode()).hexdigest()[:8], 16))
                _ensure_audio(track, piece)
                tracks.append(track)

    for index, listener in enumerate(listeners):
        for suffix, public in (("Favourites mix", True), ("Late night", False)):
            playlist, created = Playlist.objects.get_or_create(
                owner=listener, title=f"{listener.username}'s {suffix}",
                defaults={"is_public": public, "description": "Made by create_test_data."},
            )
            summary.count("playlists", created)
            # Draw even when the playlist exists, so every run consumes the generator alike.
            picks = rng.sample(tracks, 5) + [tracks[index]]  # a track may appear twice
            if created:
                PlaylistTrack.objects.bulk_create(
                    PlaylistTrack(playlist=playlist, track=track, position=pos) for pos, track in enumerate(picks)
                )
        for track in rng.sample(tracks, 4):
            _, created = Favorite.objects.get_or_create(user=listener, track=track)
            summary.count("favorites", created)

    if not ListeningHistory.objects.filter(user__in=listeners).exists():
        now = timezone.now()
        listens = []
        for _ in range(LISTENS):
            track = rng.choice(tracks)
            completion = rng.choice([100.0, 100.0, 100.0, rng.uniform(5, 95)])
            listens.append(ListeningHistory(
                user=rng.choice(listeners), track=track,
                played_at=now - timedelta(minutes=rng.randint(1, 30 * 24 * 60)),
                play_duration_ms=int(track.duration_ms * completion / 100), completion_percentage=round(completion, 1),
                platform=rng.choice(Platform.values), device_type=rng.choice(DeviceType.values),
            ))
        ListeningHistory.objects.bulk_create(listens)
        summary.created["listens"] = len(listens)
    return summary
