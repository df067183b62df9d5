"""The project's URLs plus two views that fail on purpose, for the error-format tests."""
from django.db import connection, transaction
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jonquils.urls import handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401


class FailingSqlView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT secret_column FROM no_such_table WHERE password = 'hunter2'")
        return Response({})


def failing_plain_view(request):
    raise RuntimeError("plain view exploded near SELECT * FROM users")


urlpatterns = [
    path("api/v1/test-boom-sql", FailingSqlView.as_view()),
    path("api/v1/test-boom-plain", failing_plain_view),
    *project_urlpatterns,
]
