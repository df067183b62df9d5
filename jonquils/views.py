from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import run_checks


@never_cache
@require_safe
def health(request):
    status, components = run_checks()
    return JsonResponse({"status": status, "components": components}, status=503 if status == "down" else 200)
