from django.conf import settings
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import public_components, readiness, run_checks, token_matches


@extend_schema(exclude=True)
@method_decorator(never_cache, name="dispatch")
class HealthView(APIView):
    """The health report: details for staff (session or JWT) or the HEALTH_TOKEN, status only for the rest."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes: list = []
    http_method_names = ["get", "head", "options"]

    def perform_authentication(self, request):
        pass  # lazily, in _is_staff: the session's cache may be the component that is down

    def get(self, request):
        status, components = run_checks()
        trusted = token_matches(request, settings.HEALTH_TOKEN) or _is_staff(request)
        body = {"status": status, "components": components if trusted else public_components(components)}
        return Response(body, status=503 if status == "down" else 200)


health = HealthView.as_view()


def _is_staff(request) -> bool:
    """Staff signed in; False when the session cannot be read (its cache is what may be down)."""
    try:
        return bool(request.user.is_authenticated and request.user.is_staff)
    except Exception:  # noqa: BLE001 - a health report must answer whatever is down
        return False


@never_cache
@require_safe
def health_live(request):
    """The process answers (no I/O at all)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def health_ready(request):
    """Every required component answers (cached for HEALTH_READY_CACHE_S); 503 in the error format when not."""
    ready, components = readiness()
    if ready:
        return JsonResponse({"status": "ok", "components": components})
    down = sorted(name for name, result in components.items() if not result["ok"])
    return JsonResponse({"error": "service_unavailable", "detail": f"Not ready: {', '.join(down)} not answering.",
                         "fields": {}, "components": components}, status=503, headers={"Retry-After": "5"})
