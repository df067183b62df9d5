"""The PostgreSQL backend of JONQUILS: Django's, with a health check that costs no round trip (base.py)."""
