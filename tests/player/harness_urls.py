"""A stand-in for the listener pages while they are built elsewhere: pages that follow the base.html contract
(hx-boost on <body>, #search-input, #main, track rows with data-player-action, the player included last)."""
from __future__ import annotations

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from catalog.models import Track
from jonquils import urls as project_urls

PAGES = ("home", "artists", "albums", "genres", "search")

_TEMPLATE = engines["django"].from_string("""{% load static %}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ name }} · JONQUILS</title>
<meta name="htmx-config" content='{"historyRestoreAsHxRequest":false}'>
<link rel="stylesheet" href="{% static 'css/player.css' %}">
<script src="{% static 'django_htmx/htmx-2.min.js' %}" defer></script>
<script src="{% static 'vendor/sortablejs/Sortable.min.js' %}" defer></script>
<script src="{% static 'js/player.js' %}" defer></script>
</head>
<body hx-boost="true" data-user-authenticated="{% if user.is_authenticated %}true{% else %}false{% endif %}" data-csrf-token="{{ csrf_token }}">
<header><nav>{% for page in pages %}<a href="/player-test/{{ page }}/">{{ page }}</a> {% endfor %}</nav>
<form action="/player-test/search/" method="get"><input id="search-input" name="q" aria-label="Search" value="{{ q }}"></form></header>
<main id="main"><h1>{{ name }}</h1>
<button type="button" data-player-action="play-all" data-track-ids="{{ all_ids }}">Play all</button>
<ul>{% for track in tracks %}<li class="track-row" data-track-id="{{ track.id }}">{{ track.title }}
<button type="button" data-player-action="play" data-track-id="{{ track.id }}" aria-label="Play {{ track.title }}">▶</button>
<button type="button" data-player-action="play-next" data-track-id="{{ track.id }}" aria-label="Play next">+1</button>
<button type="button" data-player-action="enqueue" data-track-id="{{ track.id }}" aria-label="Add to queue">+</button>
</li>{% endfor %}</ul></main>
{% include "player/_player.html" %}
</body></html>""")


def harness_page(request, name: str):
    tracks = list(Track.objects.visible_to(request.user).order_by("id")[:20])
    html = _TEMPLATE.render({"name": name, "pages": PAGES, "tracks": tracks, "q": request.GET.get("q", ""),
                             "all_ids": ",".join(str(track.id) for track in tracks)}, request)
    response = HttpResponse(html)
    response["Vary"] = "HX-Request"
    return response


urlpatterns = [path("player-test/<slug:name>/", harness_page), *project_urls.urlpatterns]
