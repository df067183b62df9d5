from django.urls import re_path

from . import api

urlpatterns = [
    # --- listening (branch api-catalog)
    re_path(r"^analytics/listen/?$", api.ListenCreateView.as_view(), name="analytics-listen"),
    re_path(r"^analytics/listens/?$", api.ListenBatchCreateView.as_view(), name="analytics-listens"),
    re_path(r"^me/history/?$", api.MyHistoryView.as_view(), name="my-history"),
    # --- end listening
]
