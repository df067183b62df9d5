"""Domain signals of search, sent after commit; analytics connects its receivers at merge.

search_performed:      user (or None), query (str, as typed), results_count (int), entity (str)
search_result_clicked: user (or None), query (str), entity (str), result_id (int)
"""
from django.dispatch import Signal

search_performed = Signal()
search_result_clicked = Signal()
