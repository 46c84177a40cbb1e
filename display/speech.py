"""What a display says and shows for a call: the words, the on-screen line, and one WAV to play.

    call = Call.from_event(event)                 # a `called` event from the hall server (recall too)
    speech = compose(call, voice)                 # voice: hall.config.Voice
    speech.spoken  -> "Mời công dân có số thứ tự a mười lăm đến quầy số ba"
    speech.screen  -> "Mời số A015 đến quầy 3"    (for deaf visitors; the wall display shows it)
    wav = VoiceRenderer(voice, cache_dir).render(speech)   # chime + phrase × repeat, cached on disk

The phrase is the Voice phrase with {number} and {counter}; the ticket number is read as a number
(leading zeros dropped) or digit by digit (voice.read_digits), the counter always as a number.
Audio comes from recorded clips when voice.clips names a folder (display/clips.py, docs/voice.md), else
from espeak-ng offline. Every WAV is kept in the cache folder under a hash of what made it, so a repeated
call costs a file look-up.
"""
from __future__ import annotations

import array
import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from display.clips import ClipSet, ClipsMissing
from display.numbers import number_words, split_ticket, ticket_words
from hall import phrases
from hall.config import Voice
from hall.text import nfc

log = logging.getLogger(__name__)

RATE = 22050                      # espeak-ng's own rate: mono, 16-bit
ESPEAK_SPEED = 140                # words per minute; espeak's 175 is too quick for a hall
GAP_AFTER_CHIME_S = 0.25
GAP_AFTER_PHRASE_S = 0.7


@dataclass(frozen=True)
class Call:
    """The parts of a `called` event that a display needs."""
    number: str
    counter: int
    recall: bool = False
    seq: Optional[int] = None
    counter_label: str = ""
    service_name: str = ""
    unit_name: str = ""
    at: str = ""

    @classmethod
    def from_event(cls, event: dict) -> "Call":
        if not isinstance(event, dict):
            raise ValueError(f"a called event must be a mapping, got {type(event).__name__}")
        kind = event.get("type", "called")
        if kind not in ("called", "recalled"):
            raise ValueError(f"not a called event: type {kind!r}")
        ticket = event.get("ticket")
        if not isinstance(ticket, dict) or not ticket.get("number"):
            raise ValueError("called event: ticket.number is missing")
        counter = event.get("counter")
        if isinstance(counter, bool) or not isinstance(counter, int) or counter < 1:
            raise ValueError(f"called event: counter must be a whole number ≥ 1, got {counter!r}")
        split_ticket(ticket["number"])                     # a clear error for a malformed number
        return cls(number=nfc(str(ticket["number"])).strip().upper(), counter=counter,
                   recall=kind == "recalled" or bool(event.get("recall", False)), seq=event.get("seq"),
                   counter_label=nfc(event.get("counter_label") or ""),
                   service_name=nfc(ticket.get("service_name") or ""),
                   unit_name=nfc(ticket.get("unit_name") or ""), at=event.get("at") or "")


@dataclass(frozen=True)
class Speech:
    call: Call
    tokens: tuple[str, ...]          # phrase parts and number words, in order: one recorded clip each
    pieces: tuple                    # ("text", literal) | ("number", words) | ("counter", words)
    screen: str
    spoken: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "spoken", " ".join(self.tokens))


def phrase_pieces(phrase: str) -> list[tuple[str, str]]:
    """Split a Voice phrase into ("text", literal) and ("field", name); unknown fields are named (hall/phrases.py)."""
    try:
        return phrases.pieces(phrase)
    except phrases.PhraseError as exc:
        raise ValueError(f"voice.phrase {phrase!r}: {exc}") from None


def compose(call: Call, voice: Voice) -> Speech:
    number = ticket_words(call.number, digits=voice.read_digits)
    counter = number_words(call.counter)
    pieces, tokens = [], []
    for kind, value in phrase_pieces(nfc(voice.phrase)):
        if kind == "text":
            pieces.append(("text", value))
            tokens.append(value)
        else:
            words = number if value == "number" else counter
            pieces.append((value, tuple(words)))
            tokens.extend(words)
    screen = phrases.screen(call.number, call.counter)
    return Speech(call=call, tokens=tuple(tokens), pieces=tuple(pieces), screen=screen)


# --- audio ----------------------------------------------------------------------------------------------
def chime_frames(rate: int = RATE) -> bytes:
    """A soft two-tone ding-dong (E6 then C6, bell-like decay), 16-bit mono."""
    samples = array.array("h")
    for freq, length in ((1318.5, 0.45), (1046.5, 0.75)):
        n = int(rate * length)
        for i in range(n):
            t = i / rate
            env = math.exp(-4.0 * t) * min(1.0, i / (0.005 * rate))
            value = 0.55 * math.sin(2 * math.pi * freq * t) + 0.15 * math.sin(4 * math.pi * freq * t)
            samples.append(int(32767 * 0.6 * env * value))
    return samples.tobytes()


def silence(seconds: float, rate: int = RATE) -> bytes:
    return b"\x00\x00" * int(rate * seconds)


def write_wav(path: Path, frames: bytes, rate: int = RATE) -> Path:
    """Write atomically, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    os.replace(tmp, path)
    return path


def read_frames(path: Path, cache_dir: Path) -> bytes:
    """The frames of a WAV as 22,050 Hz mono 16-bit; other formats are converted once with sox."""
    with wave.open(str(path), "rb") as src:
        if (src.getnchannels(), src.getsampwidth(), src.getframerate()) == (1, 2, RATE):
            return src.readframes(src.getnframes())
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}".encode()).hexdigest()[:20]
    converted = cache_dir / f"conv-{key}.wav"
    if not converted.exists():
        if not shutil.which("sox"):
            raise RuntimeError(f"{path} is not 22,050 Hz mono 16-bit and sox is not installed to convert it")
        tmp = converted.with_name(f".{converted.name}.{os.getpid()}.tmp.wav")
        subprocess.run(["sox", str(path), "-r", str(RATE), "-c", "1", "-b", "16", str(tmp)],
                       check=True, capture_output=True, timeout=30)
        os.replace(tmp, converted)
    with wave.open(str(converted), "rb") as src:
        return src.readframes(src.getnframes())


class VoiceRenderer:
    """Turns a Speech into one WAV file: chime, then the phrase `voice.repeat` times."""

    def __init__(self, voice: Voice, cache_dir: Path | str, base_dir: Path | str | None = None,
                 espeak: str = "espeak-ng"):
        self.voice = voice
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.espeak = espeak
        self.clips: Optional[ClipSet] = None
        if voice.clips:
            folder = Path(voice.clips)
            if not folder.is_absolute():
                folder = Path(base_dir or Path.cwd()) / folder
            self.clips = ClipSet(folder, voice.language)

    def prewarm(self) -> None:
        """Make the chime and start espeak once, so the first real call is as quick as the rest."""
        self.chime()
        if not self.clips:
            self.tts("không")

    def chime(self) -> Path:
        path = self.cache_dir / "chime-v1.wav"
        return path if path.exists() else write_wav(path, chime_frames())

    def tts(self, text: str) -> Path:
        """One espeak-ng rendering of `text`, cached by (text, voice, speed)."""
        key = self._key("tts", text, self.voice.espeak_voice, ESPEAK_SPEED)
        path = self.cache_dir / f"tts-{key}.wav"
        if path.exists():
            return path
        exe = shutil.which(self.espeak)
        if not exe:
            raise RuntimeError(f"{self.espeak} not found: install espeak-ng (apt install espeak-ng) "
                               "or record clips and set voice.clips")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        spoken = text.replace("-", " ")               # "e-lờ" is two syllables to espeak
        result = subprocess.run([exe, "-v", self.voice.espeak_voice, "-s", str(ESPEAK_SPEED),
                                 "-w", str(tmp), spoken], capture_output=True, timeout=20)
        if result.returncode or not tmp.exists():
            raise RuntimeError(f"espeak-ng failed for voice {self.voice.espeak_voice!r}: "
                               f"{result.stderr.decode(errors='replace').strip()}")
        os.replace(tmp, path)
        return path

    def phrase_frames(self, speech: Speech) -> tuple[bytes, list]:
        """The phrase once, from clips when every clip is there, else from espeak; and what it was made of."""
        if self.clips:
            try:
                files = self.clips.files_for(speech)
                return b"".join(read_frames(f, self.cache_dir) for f in files), files
            except ClipsMissing as exc:
                log.warning("%s; speaking with espeak-ng instead", exc)
        path = self.tts(speech.spoken)
        return read_frames(path, self.cache_dir), [path]

    def render(self, speech: Speech) -> Path:
        phrase, sources = self.phrase_frames(speech)
        parts = [str(p) + f"@{p.stat().st_mtime_ns}" for p in sources]
        key = self._key("ann", parts, self.voice.repeat, self.voice.chime)
        path = self.cache_dir / f"ann-{key}.wav"
        if path.exists():
            return path
        frames = []
        if self.voice.chime:
            frames += [read_frames(self.chime(), self.cache_dir), silence(GAP_AFTER_CHIME_S)]
        for i in range(self.voice.repeat):
            frames += [phrase, silence(GAP_AFTER_PHRASE_S if i < self.voice.repeat - 1 else 0.2)]
        return write_wav(path, b"".join(frames))

    @staticmethod
    def _key(*parts) -> str:
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:24]
