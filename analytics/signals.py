"""Domain signals of listening; receivers enqueue work, they never do slow work inline."""
from django.dispatch import Signal

# Sent after the listen's transaction commits. kwargs: listen (ListeningHistory).
listen_recorded = Signal()
