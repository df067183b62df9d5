"""A small, realistic demo catalog with real audio: `python manage.py create_test_data`.

Idempotent: every row is found by its natural key before it is created, audio is encoded
only when its object is missing, and listening history is generated once.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from analytics.models import DeviceType, ListeningHistory, Platform
from playlists.models import Favorite, Playlist, PlaylistTrack

from .audio_synthesis import Piece, encode, synthesize
from .models import Album, Artist, Genre, ProcessingStatus, Track

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
    return f"tracks/demo/{digest}.mp3"


def _ensure_audio(track: Track, piece: Piece) -> None:
    """Encode the track's audio once and store it; fill the file fields from the bytes."""
    key = _track_key(track.artist.name, track.title)
    if track.file_path == key and default_storage.exists(key):
        return
    data = encode(synthesize(piece), "mp3")
    if default_storage.exists(key):
        default_storage.delete(key)
    default_storage.save(key, ContentFile(data))
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


def _album_art(title: str) -> bytes:
    """A cover for a demo album: a diagonal gradient and rings in colours drawn from its title (JPEG)."""
    import io

    from PIL import Image, ImageDraw

    digest = hashlib.sha256(title.encode()).digest()
    start, end = tuple(digest[0:3]), tuple(digest[3:6])
    size = 600
    ramp = Image.linear_gradient("L").rotate(45, expand=False).resize((size, size))
    image = Image.composite(Image.new("RGB", (size, size), end), Image.new("RGB", (size, size), start), ramp)
    draw = ImageDraw.Draw(image)
    cx, cy = 150 + digest[6] % 300, 150 + digest[7] % 300
    for ring in range(5):
        radius = 60 + ring * 55
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(255, 255, 255), width=6 - ring)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def _ensure_cover(track: Track, art: bytes) -> None:
    """Give a demo track its album's cover, once (the thumbnails the cover endpoint serves)."""
    from .covers import cover_exists, cover_store_for_track

    if not cover_exists(track_id=track.pk, size=64):
        cover_store_for_track(track_id=track.pk, data=art)


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
            art = _album_art(f"{artist_name}/{album_title}")
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
                _ensure_cover(track, art)
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
