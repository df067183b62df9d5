"""SQL queries per request, counted in a separate Django process against the stack's own database.

The load client only sees HTTP; how many queries a request costs is what tells a fixed cost
from one that grows with the catalog. `count_queries(stack, requests)` starts
`python -m bench.queries` once under `stack.env` (so settings point at the running stack's
PostgreSQL and Redis), which sends every request twice through `django.test.Client` inside
`CaptureQueriesContext`: `first` is the cost with whatever the cache held, `repeat` the cost a
client sees in steady state (what the load measures). A request authenticates with the bench
user's JWT (`auth="jwt"`), a session of the bench user (`auth="session"`, `Client.force_login`),
or its own query string (Subsonic). With `session_cookie=True` the answer also carries a
`Cookie` header of a logged-in session that the load client can send to the real server
(`force_login` stores the session in the stack's session backend, so the server accepts it).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass

from .core import ROOT


@dataclass
class QueryProbe:
    key: str
    path: str
    method: str = "GET"
    body: str | None = None
    content_type: str = "application/json"
    auth: str | None = None  # "jwt", "session" or None
    repeat_body: str | None = None  # the second request's body when the first one's cannot be sent twice (a listen)


def count_queries(stack, probes: list[QueryProbe], *, session_cookie: bool = False, listener_tokens: int = 0,
                  listen_marker: dict | None = None) -> dict:
    """Return {"queries": {key: {"first", "repeat", "status"}}, "cookie": str | None, "tokens": [...]}.

    `listener_tokens`: JWT access tokens of that many bench listener accounts (`_bench_listeners`), issued by
    `accounts.tokens.token_pair_issue`, for load that one account alone may not make (listens), and
    `earliest_bench_listen`: the end of the earliest of their listens matching `listen_marker`.
    """
    spec = {"probes": [asdict(p) for p in probes], "username": stack.seed["bench_user"]["username"],
            "token": stack.token() if any(p.auth == "jwt" for p in probes) else None,
            "session_cookie": session_cookie, "listener_tokens": listener_tokens,
            "listen_marker": listen_marker or {}, "host": stack.base_url.split("//", 1)[1].split(":")[0]}
    env = {**stack.env, "DJANGO_SETTINGS_MODULE": "jonquils.settings"}
    done = subprocess.run([sys.executable, "-m", "bench.queries"], input=json.dumps(spec), env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"bench.queries failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _measure(spec: dict) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(username=spec["username"])
    host = spec["host"]
    plain = Client(HTTP_HOST=host)
    jwt = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {spec['token']}") if spec["token"] else None
    session = Client(HTTP_HOST=host)
    session.force_login(user)
    clients = {None: plain, "jwt": jwt, "session": session}
    counts = {}
    for probe in spec["probes"]:
        client = clients[probe["auth"]]
        runs = []
        for body in (probe["body"], probe["repeat_body"] or probe["body"]):
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(probe["method"], probe["path"], data=body or "",
                                          content_type=probe["content_type"])
            runs.append((len(captured.captured_queries), response.status_code))
        counts[probe["key"]] = {"first": runs[0][0], "repeat": runs[1][0], "status": runs[1][1]}
    cookie = None
    if spec["session_cookie"]:
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.cookies[settings.SESSION_COOKIE_NAME].value}"
    tokens, earliest = [], None
    if spec["listener_tokens"]:
        from accounts.tokens import token_pair_issue

        listeners = _bench_listeners(spec["listener_tokens"])
        tokens = [str(token_pair_issue(user=listener).access) for listener in listeners]
        earliest = _earliest_bench_listen(listeners, spec["listen_marker"])
    return {"queries": counts, "cookie": cookie, "tokens": tokens, "earliest_bench_listen": earliest}


BENCH_LISTENER = "bench-listener-{:04d}"


def _bench_listeners(count: int) -> list:
    """The bench's own listener accounts, created on first use (no password, no seeded listens).

    The seed's listeners have a year of Zipf-skewed listens, so listens the bench posted as them
    overlapped seeded ones now and then and were refused (28-57 a row at 1M: 400s, not the cost of
    a listen). Accounts with no history but the bench's own never collide.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    user_model = get_user_model()
    names = [BENCH_LISTENER.format(n) for n in range(1, count + 1)]
    missing = set(names) - set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [user_model(username=name, email=f"{name}@bench.example", password=make_password(None)) for name in sorted(missing)],
        ignore_conflicts=True)
    return list(user_model.objects.filter(username__in=names, is_active=True).order_by("username"))


RECENT_RUNS_DAYS = 7  # earlier runs' listens older than this are out of the way of the next run's


def _earliest_bench_listen(listeners, marker: dict) -> str | None:
    """When the earliest listen an earlier bench run posted for these listeners ended (ISO), or None.

    The api scenario's listens carry `marker` (the shortest span and a rare device), so the next run
    can place its own before them instead of overlapping them. Only the last RECENT_RUNS_DAYS count:
    the seed's own listens may match the marker by chance months ago (at 1M tracks seven did), and
    going back before those would date every listen past LISTEN_MAX_AGE_DAYS (all refused, 400).
    """
    import datetime

    from django.db.models import Min
    from django.utils import timezone

    from analytics.models import ListeningHistory

    recent = timezone.now() - datetime.timedelta(days=RECENT_RUNS_DAYS)
    earliest = (ListeningHistory.objects.filter(user__in=listeners, played_at__gte=recent, **marker)
                .aggregate(first=Min("played_at"))["first"])
    return earliest.isoformat() if earliest else None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
    sys.path.insert(0, str(ROOT))
    spec = json.loads(sys.stdin.read())
    result = _measure(spec)
    sys.stdout.flush()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
