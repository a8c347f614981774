"""Cost of a placement round's allocation (db/domain/rounds.py): 5,000 students × 1,000 offers ×
5 preferences, popular offers much more wanted than others (as real cohorts rank them).

Prints the allocation's time and peak memory (tracemalloc), the result's shape (how many got
their 1st … 5th choice), and a baseline measured in the same run: one pass that reads every
preference once. The issue's target is under 2 s.

    .venv/bin/python bench/allocation_cost.py [--students 5000] [--offers 1000] [--choices 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.domain.rounds import allocate, lottery_ranks


def cohort(
    students: int, offers: int, choices: int, seed: int
) -> tuple[dict[int, tuple[int, ...]], dict[int, int]]:
    """Places for about 95 % of the cohort; offer popularity falls off like 1/rank."""
    rng = random.Random(seed)
    offer_ids = list(range(1, offers + 1))
    weights = [1 / rank for rank in range(1, offers + 1)]
    capacities = {offer: rng.randint(1, 9) for offer in offer_ids}
    scale = students * 0.95 / sum(capacities.values())
    capacities = {offer: max(1, round(places * scale)) for offer, places in capacities.items()}
    preferences = {}
    for student in range(1, students + 1):
        ranked: list[int] = []
        while len(ranked) < choices:
            offer = rng.choices(offer_ids, weights)[0]
            if offer not in ranked:
                ranked.append(offer)
        preferences[student] = tuple(ranked)
    return preferences, capacities


def main(students: int, offers: int, choices: int) -> None:
    preferences, capacities = cohort(students, offers, choices, seed=2026)
    ranks = lottery_ranks(list(preferences), seed=2026)

    started = time.perf_counter()
    read = sum(len(choices) for choices in preferences.values())
    baseline = time.perf_counter() - started

    tracemalloc.start()
    started = time.perf_counter()
    allocation = allocate(preferences, capacities, ranks)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    shape = allocation.by_choice()
    print(
        f"{students} students, {offers} offers ({sum(capacities.values())} places), "
        f"{choices} choices each ({read} preferences)"
    )
    print(f"baseline (read every preference once): {baseline * 1000:.1f} ms")
    print(
        f"allocation: {elapsed * 1000:.0f} ms ({elapsed / baseline:.0f}x the baseline), "
        f"peak {peak / 2**20:.1f} MiB"
    )
    print(
        "result: "
        + ", ".join(f"choice {n}: {shape[n]}" for n in range(1, choices + 1))
        + f", unplaced: {shape[None]}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--choices", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.students, arguments.offers, arguments.choices)
