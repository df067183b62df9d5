from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .backends.postgres import set_trigram_threshold

        connection_created.connect(set_trigram_threshold, dispatch_uid="search.set_trigram_threshold")
