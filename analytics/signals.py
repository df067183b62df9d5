"""Domain signals of listening; receivers enqueue work, they never do slow work inline."""
from django.dispatch import Signal

# Sent after the listens' transaction commits. kwargs: listens (a list of ListeningHistory, one or a batch).
listen_recorded = Signal()
