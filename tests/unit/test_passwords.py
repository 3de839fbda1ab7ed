"""Password hashing parameters."""

from argon2 import Type

from winlas_site.auth.models import DEFAULT_HASHER


def test_production_hashes_are_argon2id_at_or_above_the_owasp_minimum():
    # OWASP (ASVS 5 appendix C): argon2id with at least 19 MiB, 2 iterations, 1 lane.
    assert DEFAULT_HASHER.type is Type.ID
    assert DEFAULT_HASHER.memory_cost >= 19 * 1024
    assert DEFAULT_HASHER.time_cost >= 2
    assert DEFAULT_HASHER.hash("x").startswith("$argon2id$")
