"""Fixtures of the core's tests: a seeded RNG (scikit-learn's global_random_seed idea)."""
import pytest

from core_cases import SEED


@pytest.fixture
def global_random_seed():
    return SEED
