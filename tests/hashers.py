"""Argon2 with small parameters for the test suite: the same algorithm and code path, ~1 ms a hash.

Production keeps Django's Argon2 parameters (100 MiB, ~0.2-0.8 s a hash on this machine kind),
which would make every factory user and every login of the suite cost that much.
"""
from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
