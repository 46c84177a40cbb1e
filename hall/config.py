"""The hall's configuration: config.yaml read, validated and turned into typed settings.

A mistake stops the start-up with the file, the key path (and line) and what is wrong:

    config.yaml:57 units[2].services[0].prefix: two services share prefix 'C' with overlapping numbers (1–299)
"""
from __future__ import annotations

import os
from datetime import date, time
from pathlib import Path
from typing import Any, Literal, Optional
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import phrases
from .text import nfc

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Model(BaseModel):
    """Strict by default: an unknown key is a typo, and a typo is an error."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value):
        return nfc(value) if isinstance(value, str) else value


class Centre(Model):
    name: str
    name_en: str = ""
    short_name: str = ""
    address: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    public_url: str = Field("", description="where phones reach the hall; empty = where `motcua serve` listens")
    ticket_footer: str = ""
    announcement: str = ""

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"must be the address phones open, like http://192.168.1.10:5000 (http or https "
                             f"and a host), not '{value}'")
        try:
            parts.port
        except ValueError:
            raise ValueError(f"the port in '{value}' is not a number from 1 to 65535") from None
        return value


class Session(Model):
    name: str
    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _sexagesimal(cls, value):
        """YAML 1.1 reads an unquoted 13:30 as the number 810 (minutes); read it back as 13:30, not 00:13:30."""
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return time(*divmod(value, 60))
        return value


class Hours(Model):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = WEEKDAYS[:5]
    sessions: list[Session] = Field(min_length=1)
    holidays: list[date] = []
    enforce: bool = True
    stop_issuing_min: int = Field(0, ge=0, description="kiosks stop issuing this many minutes before a session ends")


class PriorityCategory(Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: str = ""


class Priorities(Model):
    ratio: int = Field(2, ge=1, description="at most this many priority calls in a row at a counter while others wait")
    categories: list[PriorityCategory] = []


class RatingLevel(Model):
    value: int
    label: str
    label_en: str = ""
    color: str = "#888888"


class Criterion(Model):
    code: str
    label: str
    label_en: str = ""


class Ratings(Model):
    levels: list[RatingLevel] = Field(min_length=3, max_length=5)
    criteria: list[Criterion] = []
    ask_criteria_at_most: int = Field(2, description="ask the follow-up question when the rating is this value or lower")
    timeout_s: int = Field(30, ge=5)


class Service(Model):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    name_en: str = ""
    prefix: str = Field("", pattern=r"^[A-Z]{0,2}$")
    start: int = Field(1, ge=0)
    end: int = Field(999, ge=1)
    target_wait_min: int = Field(15, ge=1)
    avg_service_min: float = Field(10, gt=0)
    open: bool = True


class Unit(Model):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    name_en: str = ""
    short_name: str = ""
    color: str = "#1565c0"
    icon: str = ""
    services: list[Service] = Field(min_length=1)


class Counter(Model):
    number: int = Field(ge=1)
    label: str = ""
    unit: str
    services: list[str] = Field(min_length=1)
    zone: str = ""


class Printer(Model):
    kind: Literal["preview", "usb", "serial", "network", "cups"] = "preview"
    width: Literal[384, 576] = 576
    folder: str = "tickets"
    vendor_id: Optional[int] = None
    product_id: Optional[int] = None
    device: str = ""
    baudrate: int = 115200
    host: str = ""
    port: int = 9100
    queue: str = ""
    timeout_s: float = 3.0


class Kiosk(Model):
    id: str
    token: str = Field(min_length=16)
    printer: Printer = Printer()
    orientation: Literal["portrait", "landscape"] = "landscape"
    idle_s: int = Field(45, ge=5)
    result_s: int = Field(8, ge=2)
    language: Literal["vi", "en"] = "vi"
    font: str = ""


class Zone(Model):
    counters: list[int] = []
    units: list[str] = []


class Voice(Model):
    phrase: str = Field(phrases.SPOKEN, description="what the display says; {number} and {counter} only")
    repeat: int = Field(1, ge=1, le=5)
    read_digits: bool = False
    clips: str = ""
    language: str = "vi"
    espeak_voice: str = "vi"
    chime: bool = True

    @field_validator("phrase")
    @classmethod
    def _sayable(cls, value: str) -> str:
        return phrases.check(value)


class Display(Model):
    id: str
    token: str = Field(min_length=16)
    zone: Optional[Zone] = None
    voice: Voice = Voice()
    last_calls: int = Field(6, ge=0, le=20)
    flash_s: float = Field(6, ge=0)
    font: str = ""


class Pad(Model):
    id: str
    token: str = Field(min_length=16)
    counter: int


class SerialPort(Model):
    id: str
    port: str
    baudrate: int = 9600
    address: int = 0
    counters: list[int] = []
    protocol: str = Field("motcua", description="the frame format (drivers/led.py FORMATS) or keypad byte map")


class Devices(Model):
    kiosks: list[Kiosk] = []
    displays: list[Display] = []
    pads: list[Pad] = []
    led_boards: list[SerialPort] = []
    keypads: list[SerialPort] = []


class Storage(Model):
    data_dir: str = "data"
    database_url: str = ""
    sqlite_synchronous: Literal["normal", "full"] = "full"


class SignIn(Model):
    """Failed sign-ins before a lock (hall/lockouts.py, docs/protocol.md "Sign-in limits")."""
    user_failures: int = Field(5, ge=1, description="wrong passwords for one user before it is locked")
    address_failures: int = Field(20, ge=1, description="failed sign-ins from one address before it is locked")
    window_min: float = Field(15, gt=0, description="failures older than this are forgotten")
    lockout_min: float = Field(15, gt=0, description="how long a lock lasts unless a supervisor lifts it")


class Connections(Model):
    """Limits of `motcua serve`'s connections (hall/serving.py, docs/deployment.md)."""
    idle_timeout_s: float = Field(60, gt=0, description="a connection that sends nothing this long is closed")
    request_timeout_s: float = Field(10, gt=0, description="a request's line, headers and body must arrive within "
                                     "this of its first byte")
    max: int = Field(5000, ge=10, description="connections served at once; more wait to be accepted")


class Server(Model):
    secret_key: str = ""
    no_show_grace_min: int = Field(10, ge=0)
    login_hours: int = Field(12, ge=1)
    message_queue: str = ""
    estimate_window: int = Field(20, ge=1, description="finished visits used for the service rate")
    sign_in: SignIn = SignIn()
    connections: Connections = Connections()
    replay_calls_s: float = Field(60, ge=0, le=3600, description="a screen that missed calls (reconnect, resync) "
                                  "announces those made within this many seconds; older ones are only shown")


class Webhook(Model):
    """Ratings (and a daily summary) posted to the province's system; see docs/reports.md."""
    url: str = Field("", description="where ratings are posted; empty = not sent")
    secret: str = Field("", description="shared secret of the HMAC-SHA256 signature")
    daily_summary: bool = True
    timeout_s: float = Field(10, gt=0)
    retry_min_s: float = Field(5, gt=0)
    retry_max_s: float = Field(600, gt=0)


class Config(Model):
    centre: Centre
    hours: Hours
    priorities: Priorities = Priorities()
    ratings: Ratings
    units: list[Unit] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    devices: Devices = Devices()
    storage: Storage = Storage()
    server: Server = Server()
    webhook: Webhook = Webhook()
    catalogue: str = Field("procedures.yaml", description="the procedure catalogue, relative to this file")

    # --- look-ups used everywhere -------------------------------------------------------
    @property
    def services(self) -> dict[str, Service]:
        return {s.code: s for u in self.units for s in u.services}

    @property
    def unit_of(self) -> dict[str, Unit]:
        return {s.code: u for u in self.units for s in u.services}

    @property
    def unit_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @property
    def counter_by_number(self) -> dict[int, Counter]:
        return {c.number: c for c in self.counters}

    def device(self, token: str):
        """(kind, device) for a device token, or None."""
        for kind in ("kiosks", "displays", "pads"):
            for d in getattr(self.devices, kind):
                if d.token == token:
                    return kind[:-1], d
        return None


class ConfigError(Exception):
    """Every problem found in one file, each with its key path and line."""

    def __init__(self, path: str, problems: list[tuple[str, Optional[int], str]]):
        self.path, self.problems = path, problems
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.path}:{line or '?'}: {key or '(top)'}: {msg}" for key, line, msg in self.problems]
        return f"{self.path}: {len(self.problems)} problem(s)\n" + "\n".join(lines)


def key_path(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node, loc) -> Optional[int]:
    """Follow a pydantic location through the YAML node tree to a line number: the key's own line where the
    key exists, else the line of the nearest enclosing entry."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def cross_checks(cfg: Config) -> list[tuple[tuple, str]]:
    """What pydantic can't see field by field: references between sections, uniqueness, ranges."""
    problems: list[tuple[tuple, str]] = []
    units = {}
    for i, unit in enumerate(cfg.units):
        if unit.code in units:
            problems.append((("units", i, "code"), f"unit code '{unit.code}' is used twice"))
        units[unit.code] = unit
    services: dict[str, tuple] = {}
    ranges: dict[str, list] = {}
    for i, unit in enumerate(cfg.units):
        for j, s in enumerate(unit.services):
            here = ("units", i, "services", j)
            if s.code in services:
                problems.append((here + ("code",), f"service code '{s.code}' is used twice"))
            services[s.code] = here
            if s.end < s.start:
                problems.append((here + ("end",), f"end {s.end} is below start {s.start}"))
            for other, (a, b) in ranges.get(s.prefix, []):
                if s.start <= b and a <= s.end:
                    problems.append((here + ("prefix",), f"services '{other}' and '{s.code}' share prefix "
                                     f"'{s.prefix}' with overlapping numbers ({max(a, s.start)}–{min(b, s.end)})"))
            ranges.setdefault(s.prefix, []).append((s.code, (s.start, s.end)))
    numbers = set()
    for i, c in enumerate(cfg.counters):
        if c.number in numbers:
            problems.append((("counters", i, "number"), f"counter {c.number} is listed twice"))
        numbers.add(c.number)
        if c.unit not in units:
            problems.append((("counters", i, "unit"), f"unknown unit '{c.unit}'"))
        for k, code in enumerate(c.services):
            if code not in services:
                problems.append((("counters", i, "services", k), f"unknown service '{code}'"))
    served = {code for c in cfg.counters for code in c.services}
    for code, here in services.items():
        if code not in served:
            problems.append((here + ("code",), f"no counter serves service '{code}'"))
    values = [lvl.value for lvl in cfg.ratings.levels]
    if len(set(values)) != len(values):
        problems.append((("ratings", "levels"), "rating values must differ"))
    tokens: dict[str, tuple] = {}
    for kind in ("kiosks", "displays", "pads"):
        for i, d in enumerate(getattr(cfg.devices, kind)):
            here = ("devices", kind, i, "token")
            if d.token in tokens:
                problems.append((here, "this token is already given to another device"))
            tokens[d.token] = here
    for i, pad in enumerate(cfg.devices.pads):
        if pad.counter not in numbers:
            problems.append((("devices", "pads", i, "counter"), f"unknown counter {pad.counter}"))
    for i, d in enumerate(cfg.devices.displays):
        if d.zone:
            for k, n in enumerate(d.zone.counters):
                if n not in numbers:
                    problems.append((("devices", "displays", i, "zone", "counters", k), f"unknown counter {n}"))
            for k, u in enumerate(d.zone.units):
                if u not in units:
                    problems.append((("devices", "displays", i, "zone", "units", k), f"unknown unit '{u}'"))
    for i, s in enumerate(cfg.hours.sessions):
        if s.end <= s.start:
            problems.append((("hours", "sessions", i, "end"), f"session '{s.name}' ends before it starts"))
    return problems


def parse_config(text: str, path: str = "config.yaml") -> Config:
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(path, [("", mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(path, [("", 1, "the file must be a mapping of sections (centre, hours, units, …)")])
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key (a typo?)"
            elif err["type"] == "missing":
                msg = "this key is required"
            elif err["type"] == "value_error" and isinstance(err.get("ctx", {}).get("error"), phrases.PhraseError):
                msg = str(err["ctx"]["error"])
            problems.append((key_path(loc), _line_of(node, loc), msg))
        raise ConfigError(path, problems) from None
    problems = cross_checks(cfg)
    if problems:
        raise ConfigError(path, [(key_path(loc), _line_of(node, loc), msg) for loc, msg in problems])
    return cfg


def default_config_path() -> str:
    return os.environ.get("MOTCUA_CONFIG") or str(Path(__file__).resolve().parent.parent / "config.yaml")


def load_config(path: Optional[str] = None) -> Config:
    path = path or default_config_path()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [("", None, f"cannot read the file: {exc.strerror}")]) from None
    return parse_config(text, path)


def database_url(cfg: Config, base: Optional[Path] = None) -> str:
    """MOTCUA_DATABASE_URL, else the config's URL, else SQLite in the data folder."""
    url = os.environ.get("MOTCUA_DATABASE_URL") or cfg.storage.database_url
    if url:
        return url
    return f"sqlite:///{data_dir(cfg, base) / 'motcua.db'}"


def data_dir(cfg: Config, base: Optional[Path] = None) -> Path:
    folder = Path(os.environ.get("MOTCUA_DATA_DIR") or cfg.storage.data_dir)
    if not folder.is_absolute():
        folder = (base or Path.cwd()) / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def as_dict(obj: Any) -> Any:
    return obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj
