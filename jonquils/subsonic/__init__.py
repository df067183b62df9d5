"""The Subsonic / OpenSubsonic API at /rest/ (issue 15): a thin interface over the apps' selectors and services.

envelope.py renders answers (json, xml, jsonp) and errors; auth.py identifies the caller;
views.py dispatches /rest/<method>[.view] to the functions registered in the method modules
(system, browsing, lists, searching, playlists, annotation, media, user); serializers.py maps
models to Subsonic's shapes (ids are strings: songs "<id>", albums "al-<id>", artists "ar-<id>",
playlists "pl-<id>").
"""
