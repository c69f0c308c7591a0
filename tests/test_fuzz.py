"""A short fuzz run in the normal suite: mutated corpus PDFs give a BudgetDocument or a ParseError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzz_parser as fuzz
from workers.model import BudgetDocument
from workers.parser import ParseError


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.sampled_from(list(fuzz.small_seed_indexes())), ops=st.lists(fuzz.op_strategy, min_size=1, max_size=4))
def test_mutated_corpus_pdf_parses_or_fails_cleanly(seed, ops):
    result = fuzz.check(fuzz.mutate(fuzz.seeds()[seed], ops))
    assert isinstance(result, BudgetDocument | ParseError)


def test_unmutated_seeds_parse():
    # The seeds themselves must parse, or the mutants above test nothing but the error path.
    for seed in fuzz.small_seed_indexes():
        assert isinstance(fuzz.check(fuzz.seeds()[seed]), BudgetDocument)


def test_mutations_change_the_input():
    data = fuzz.seeds()[0]
    assert fuzz.mutate(data, [("flip", 0.5, 1)]) != data
    assert len(fuzz.mutate(data, [("truncate", 0.5)])) == len(data) // 2
    assert fuzz.mutate(data, [("insert", 0.0, b"xyz")]).startswith(b"xyz")
    assert len(fuzz.mutate(data, [("delete", 0.1, 10)])) == len(data) - 10
