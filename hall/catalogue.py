"""The procedure catalogue (danh mục thủ tục hành chính): procedures.yaml loaded, checked and searchable.

A citizen types without diacritics and in any order, so the search folds both sides to plain ASCII words
("Đăng ký" → "dang ky") and looks them up in word indexes built once at load time:

    >>> catalogue.search("ly lich")[0].name
    'Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam'

Results come in four tiers: every word found whole in the name; every word the start of a word in the
name; every word found whole anywhere (documents, field, unit, code); every word the start of a word
anywhere. Inside a tier, entries holding the query as a phrase (in the name, then anywhere) come first,
then shorter names.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_left
from pathlib import Path
from typing import Iterator, Literal, Optional

import yaml
from pydantic import Field, ValidationError

from hall.config import Config, ConfigError, Model, _line_of, key_path


class CatalogueError(ConfigError):
    """Every problem found in the catalogue file, each with its entry index, key and line."""


class Procedure(Model):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1)
    unit: str
    service: str
    documents: list[str] = []
    fee: str = ""
    time_limit: str = ""
    level: Optional[Literal["toàn trình", "một phần"]] = None


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, punctuation as spaces: 'Đăng ký (lần đầu)' → 'dang ky lan dau'."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    text = "".join(ch if ch.isalnum() else " " for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


class WordIndex:
    """Which entries hold a word, and which hold a word starting with a prefix."""

    def __init__(self) -> None:
        self.postings: dict[str, set[int]] = {}
        self.vocabulary: list[str] = []

    def add(self, entry: int, words: list[str]) -> None:
        for word in words:
            self.postings.setdefault(word, set()).add(entry)

    def freeze(self) -> None:
        self.vocabulary = sorted(self.postings)

    def exact(self, word: str) -> set[int]:
        return self.postings.get(word, set())

    def prefix(self, start: str) -> set[int]:
        found: set[int] = set()
        i = bisect_left(self.vocabulary, start)
        while i < len(self.vocabulary) and self.vocabulary[i].startswith(start):
            found |= self.postings[self.vocabulary[i]]
            i += 1
        return found


def _all(sets: list[set[int]]) -> set[int]:
    return set.intersection(*sets) if sets else set()


class Catalogue:
    def __init__(self, procedures: list[Procedure], config: Config, path: str = "procedures.yaml"):
        self.procedures, self.path = procedures, path
        self._by_code = {p.code: p for p in procedures}
        self._names = [fold(p.name) for p in procedures]
        self._texts: list[str] = []  # name, documents, field, unit, code: folded, "|" between them
        self._in_name, self._anywhere = WordIndex(), WordIndex()
        for i, p in enumerate(procedures):
            unit, service = config.unit_by_code[p.unit], config.services[p.service]
            self._in_name.add(i, self._names[i].split())
            parts = [self._names[i]] + [fold(t) for t in (*p.documents, service.name, unit.name, unit.short_name,
                                                          p.code)]
            self._texts.append(" | ".join(parts))
            self._anywhere.add(i, [word for part in parts for word in part.split()])
        self._in_name.freeze()
        self._anywhere.freeze()

    def __len__(self) -> int:
        return len(self.procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self.procedures)

    def by_code(self, code: str) -> Optional[Procedure]:
        return self._by_code.get(code)

    def search(self, query: str, limit: int = 20) -> list[Procedure]:
        words = fold(query).split()
        if not words or limit < 1:
            return []
        phrase = " ".join(words)
        tiers, taken = [], set()
        for index, lookup in ((self._in_name, WordIndex.exact), (self._in_name, WordIndex.prefix),
                              (self._anywhere, WordIndex.exact), (self._anywhere, WordIndex.prefix)):
            tier = _all([lookup(index, w) for w in words]) - taken
            tiers.append(tier)
            taken |= tier
        found: list[Procedure] = []
        for tier in tiers:
            ranked = sorted(tier, key=lambda i: (phrase not in self._names[i], phrase not in self._texts[i],
                                                 len(self._names[i]), i))
            found += [self.procedures[i] for i in ranked[:limit - len(found)]]
            if len(found) >= limit:
                break
        return found


def _problems_in(entries: list, config: Config) -> list[tuple[tuple, str]]:
    """Each entry validated on its own (so one bad entry hides no other), then checked against the config."""
    problems: list[tuple[tuple, str]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(entries):
        try:
            p = Procedure.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                msg = {"extra_forbidden": "unknown key (a typo?)", "missing": "this key is required"}.get(
                    err["type"], err["msg"])
                problems.append(((i, *err["loc"]), msg))
            continue
        if p.code in seen:
            problems.append(((i, "code"), f"procedure code '{p.code}' is also entry {seen[p.code]}"))
        seen.setdefault(p.code, i)
        if p.unit not in config.unit_by_code:
            problems.append(((i, "unit"), f"unknown unit '{p.unit}' (not in config.yaml)"))
        if p.service not in config.services:
            problems.append(((i, "service"), f"unknown service '{p.service}' (not in config.yaml)"))
        elif p.unit in config.unit_by_code and config.unit_of[p.service].code != p.unit:
            problems.append(((i, "service"), f"service '{p.service}' belongs to unit "
                                             f"'{config.unit_of[p.service].code}', not '{p.unit}'"))
    return problems


def parse_catalogue(text: str, config: Config, path: str = "procedures.yaml") -> Catalogue:
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster on ~1,000 procedures
        node = yaml.compose(text, Loader=loader)
        raw = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogueError(path, [("", mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from None
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise CatalogueError(path, [("", 1, "the file must be a list of procedures (- code: …)")])
    problems = _problems_in(raw, config)
    if problems:
        raise CatalogueError(path, [(key_path(loc), _line_of(node, loc), msg) for loc, msg in problems])
    return Catalogue([Procedure.model_validate(entry) for entry in raw], config, path)


def load_catalogue(path: str | Path, config: Config) -> Catalogue:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(str(path), [("", None, f"cannot read the file: {exc.strerror}")]) from None
    return parse_catalogue(text, config, str(path))


def catalogue_path(config_path: str | Path, config: Config) -> Path:
    """config.catalogue, taken relative to the folder of config.yaml."""
    return Path(config_path).resolve().parent / config.catalogue
