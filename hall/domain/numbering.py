"""Ticket numbers: each service counts through its range (P001 … P299) and, once the range is used up, goes round
again from its start, skipping every number a citizen still holds today — so nobody is ever turned away, and no
number is ever called for two people.

A number is *held* while its ticket may still be called: waiting, called, serving, or a no-show (who may come back
in grace). Done and cancelled tickets give their number back. If every number of the range is held at once (the
range is smaller than the crowd), numbers go on past the last range of that prefix — P1000, P1001 … — until one of
the range is given back. docs/configuration.md tells the story for the people configuring a hall.

    numbers = NumberRange("P", 1, 299, spare_from=1000)
    numbers.first_round(seq)            # the seq-th ticket of the day, while the range lasts: P001, P002 …
    numbers.next_after(last, held)      # later: the next free number after the last one given
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Collection, Optional

from .model import CALLED, NO_SHOW, SERVING, WAITING, format_number

HOLDING = (WAITING, CALLED, SERVING, NO_SHOW)  # the states in which a ticket's number is still its own


def width_of(end: int) -> int:
    return max(3, len(str(end)))


@dataclass(frozen=True)
class NumberRange:
    prefix: str
    start: int
    end: int
    spare_from: int  # the first number past every range that shares this prefix: the overflow starts there

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @property
    def width(self) -> int:
        return width_of(self.end)

    def format(self, n: int) -> str:
        return format_number(self.prefix, n, self.width)

    def value(self, number: str) -> int:
        return int(number[len(self.prefix):])

    def first_round(self, seq: int) -> Optional[str]:
        """The number of the day's seq-th ticket while the range has not been gone through once (None after)."""
        return self.format(self.start + seq - 1) if seq <= self.size else None

    def next_after(self, last: Optional[str], held: Collection[str]) -> str:
        """The number after `last` (the one given last), going round the range, skipping held numbers; past the
        range (from spare_from up) only while every number in it is held."""
        last_n = self.value(last) if last is not None else self.end
        after = last_n - self.start + 1 if self.start <= last_n <= self.end else 0
        for i in range(self.size):
            number = self.format(self.start + (after + i) % self.size)
            if number not in held:
                return number
        n = self.spare_from
        while self.format(n) in held:
            n += 1
        return self.format(n)


def spare_from(ends: Collection[int]) -> int:
    """The first number no range of this prefix reaches: a power of ten, so overflow numbers read cleanly."""
    return 10 ** len(str(max(ends)))


class BatchNumbers:
    """The numbers for one batch of new tickets (hall/group_commit.py), from what the store says and what this
    batch has given so far. The store is asked about held numbers only for services whose range has gone round.

        numbers = BatchNumbers(ranges, last_seqs, state)   # state(services) → (service → last number, held)
        seq, number = numbers.next("TP.LLTP")
    """

    def __init__(self, ranges: dict[str, NumberRange], last_seqs: dict[str, int],
                 state: Callable[[list[str]], tuple[dict[str, str], set[str]]]):
        self.ranges, self.seqs, self.state = ranges, dict(last_seqs), state
        self.given: dict[str, str] = {}                 # service → the number this batch gave it last
        self.given_numbers: dict[str, set[str]] = {}    # prefix → the numbers this batch gave
        self.rounds: dict[str, tuple[dict[str, str], set[str]]] = {}  # prefix → what the store said

    def next(self, service: str) -> tuple[int, str]:
        numbers = self.ranges[service]
        seq = self.seqs.get(service, 0) + 1
        number = numbers.first_round(seq)
        if number is None:
            last, held = self._round(numbers.prefix)
            number = numbers.next_after(self.given.get(service, last.get(service)), held)
        self.seqs[service], self.given[service] = seq, number
        self.given_numbers.setdefault(numbers.prefix, set()).add(number)
        if numbers.prefix in self.rounds:
            self.rounds[numbers.prefix][1].add(number)
        return seq, number

    def _round(self, prefix: str) -> tuple[dict[str, str], set[str]]:
        if prefix not in self.rounds:
            sharing = sorted(code for code, r in self.ranges.items() if r.prefix == prefix)
            last, held = self.state(sharing)
            self.rounds[prefix] = (last, held | self.given_numbers.get(prefix, set()))
        return self.rounds[prefix]


def number_ranges(services) -> dict[str, NumberRange]:
    """service code → its NumberRange, from the configured services (prefix, start, end)."""
    ends: dict[str, list[int]] = {}
    for svc in services:
        ends.setdefault(svc.prefix, []).append(svc.end)
    return {svc.code: NumberRange(svc.prefix, svc.start, svc.end, spare_from(ends[svc.prefix])) for svc in services}
