"""Forms of the artists' studio: they parse and bound the input; the catalog services decide the rest."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Album, Genre

NUMBER_MAX = 999


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


class CoverField(forms.FileField):
    """An image file no larger than UPLOAD_COVER_MAX_BYTES (the API's limit); its pixels are checked by the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif,image/bmp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and getattr(upload, "size", 0) > settings.UPLOAD_COVER_MAX_BYTES:
            raise forms.ValidationError(_("The cover image is larger than the %(limit)s MB limit.")
                                        % {"limit": _mb(settings.UPLOAD_COVER_MAX_BYTES)})
        return upload


class TrackEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    album = forms.ModelChoiceField(label=_("Album"), queryset=Album.objects.none(), required=False,
                                   empty_label=_("No album (single)"))
    genre = forms.ModelChoiceField(label=_("Genre"), queryset=Genre.objects.none(), required=False,
                                   empty_label=_("No genre"))
    track_number = forms.IntegerField(label=_("Track number"), min_value=1, max_value=NUMBER_MAX, required=False)
    disc_number = forms.IntegerField(label=_("Disc number"), min_value=1, max_value=NUMBER_MAX, required=False)

    def __init__(self, *args, artist, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["album"].queryset = Album.objects.filter(artist=artist).order_by("title", "id")
        self.fields["genre"].queryset = Genre.objects.order_by("name", "id")

    def changes(self) -> dict:
        """The keyword arguments of catalog.services.track_update."""
        data = self.cleaned_data
        return {"title": data["title"], "track_number": data["track_number"], "disc_number": data["disc_number"],
                "album_id": data["album"].pk if data["album"] else None,
                "genre_id": data["genre"].pk if data["genre"] else None}


class AlbumForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    release_date = forms.DateField(label=_("Release date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   help_text=_("The year listeners see comes from this date."))
    cover = CoverField(label=_("Cover image"),
                       help_text=_("JPEG, PNG, WebP, GIF or BMP, at most %(limit)s MB; shown square.")
                       % {"limit": _mb(settings.UPLOAD_COVER_MAX_BYTES)})


class CoverForm(forms.Form):
    cover = CoverField(label=_("New cover image"), required=True)


class UrlUploadForm(forms.Form):
    url = forms.CharField(label=_("Audio file URL"), max_length=2048,
                          widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}))
