"""The playlist form: title, description, public or private (the services check the rest)."""
from django import forms
from django.utils.translation import gettext_lazy as _


class PlaylistForm(forms.Form):
    title = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("Public: anyone can find and play it"), required=False)


class PositionForm(forms.Form):
    position = forms.IntegerField(min_value=0)


class MoveForm(forms.Form):
    from_position = forms.IntegerField(min_value=0)
    to_position = forms.IntegerField(min_value=0)


def parse_ids(text: str, limit: int = 1000) -> list[int]:
    """[1, 2, 3] from "1,2,3"; ValueError when any part is not a positive integer."""
    ids = [int(part) for part in (text or "").split(",") if part.strip()]
    if not ids or len(ids) > limit or min(ids) < 1:
        raise ValueError(text)
    return ids


class AddTrackForm(forms.Form):
    """One track (track_id) or several in order (track_ids="1,2,3"), to a playlist or a new one (new_title)."""

    track_id = forms.IntegerField(min_value=1, required=False)
    track_ids = forms.CharField(required=False, max_length=20_000)
    new_title = forms.CharField(max_length=255, required=False)

    def clean(self):
        data = super().clean()
        try:
            data["ids"] = [data["track_id"]] if data.get("track_id") else parse_ids(data.get("track_ids") or "")
        except ValueError:
            raise forms.ValidationError(_("Choose a track.")) from None
        return data
