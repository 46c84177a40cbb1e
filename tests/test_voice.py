"""The call announcement: text, screen line, WAV (espeak-ng and recorded clips), and the queue."""
import array
import math
import os
import shutil
import subprocess
import threading
import time
import wave

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest

from display import speech as speech_mod
from display.announcer import Announcer, PygamePlayer
from display.clips import ClipSet, ClipsMissing, clip_name, vocabulary
from display.speech import Call, VoiceRenderer, compose, phrase_pieces
from hall.config import Voice
from hall.fonts import find_font, missing_glyphs

EVENT = {"seq": 123, "type": "called", "at": "2026-11-26T08:01:02+07:00", "recall": False, "counter": 3,
         "counter_label": "Quầy 3",
         "ticket": {"id": "tok", "number": "A015", "service": "TP-LLTP", "service_name": "Lý lịch tư pháp",
                    "unit": "TP", "unit_name": "Sở Tư pháp"}}
needs_espeak = pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng not installed")


def event(seq, number="A015", counter=3, recall=False):
    return {**EVENT, "seq": seq, "counter": counter, "recall": recall, "ticket": {**EVENT["ticket"], "number": number}}


def duration(path):
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def rms(path, start_s=0.0, end_s=None):
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        w.setpos(int(start_s * rate))
        n = int(((end_s or w.getnframes() / rate) - start_s) * rate)
        samples = array.array("h", w.readframes(n))
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


# --- text -------------------------------------------------------------------------------------------------
def test_spoken_and_screen_text():
    s = compose(Call.from_event(EVENT), Voice())
    assert s.spoken == "Mời công dân có số thứ tự a mười lăm đến quầy số ba"
    assert s.screen == "Mời số A015 đến quầy 3"
    digits = compose(Call.from_event(event(1, "B104", 21)), Voice(read_digits=True))
    assert digits.spoken == "Mời công dân có số thứ tự bê một không bốn đến quầy số hai mươi mốt"
    assert missing_glyphs(s.spoken + s.screen + digits.spoken, find_font()) == set()


def test_phrase_placeholders_in_any_order():
    v = Voice(phrase="Quầy số {counter} mời số {number}")
    assert compose(Call.from_event(event(1, "1010", 2)), v).spoken == \
        "Quầy số hai mời số một nghìn không trăm mười"
    with pytest.raises(ValueError, match=r"unknown placeholder \{quay\}"):
        phrase_pieces("Mời {number} đến {quay}")


@pytest.mark.parametrize("bad,match", [
    ({**EVENT, "ticket": {}}, "ticket.number"), ({**EVENT, "counter": "3"}, "counter"),
    ({**EVENT, "type": "finished"}, "not a called event"), (event(1, "A-15"), "ticket number"), ([], "mapping")])
def test_bad_events_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        Call.from_event(bad)


# --- espeak-ng --------------------------------------------------------------------------------------------
@needs_espeak
def test_espeak_wav_is_real_audio_of_plausible_length(tmp_path):
    r = VoiceRenderer(Voice(repeat=1), tmp_path)
    s = compose(Call.from_event(EVENT), r.voice)
    one = r.render(s)
    with wave.open(str(one)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    chime = duration(r.chime())
    assert 1.0 < chime < 1.5
    assert 2.0 < duration(one) - chime < 8.0            # 14 syllables at 140 wpm
    assert rms(one, 0, 0.3) > 1000                      # the ding is loud
    assert rms(one, chime + 0.3, duration(one) - 0.3) > 300   # speech, not silence
    stat = subprocess.run(["sox", str(one), "-n", "stat"], capture_output=True, text=True).stderr
    assert float(stat.split("Length (seconds):")[1].split()[0]) == pytest.approx(duration(one), abs=0.01)
    twice = VoiceRenderer(Voice(repeat=2), tmp_path).render(s)
    assert duration(twice) - duration(one) == pytest.approx(duration(one) - chime - 0.25 - 0.2 + 0.7, abs=0.01)
    quiet = VoiceRenderer(Voice(chime=False), tmp_path).render(s)
    assert duration(one) - duration(quiet) == pytest.approx(chime + 0.25, abs=0.01)


@needs_espeak
def test_repeated_call_costs_nothing(tmp_path, monkeypatch):
    r = VoiceRenderer(Voice(), tmp_path)
    s = compose(Call.from_event(EVENT), r.voice)
    first = r.render(s)
    made = first.stat().st_mtime_ns

    def no_espeak(*a, **k):
        raise AssertionError("espeak-ng ran again for a cached call")
    monkeypatch.setattr(speech_mod.subprocess, "run", no_espeak)
    t = time.perf_counter()
    assert r.render(s) == first and first.stat().st_mtime_ns == made
    assert time.perf_counter() - t < 0.05
    other = compose(Call.from_event(event(2, "A016")), r.voice)
    with pytest.raises(AssertionError, match="ran again"):
        r.render(other)


# --- recorded clips ---------------------------------------------------------------------------------------
def tone(path, freq, seconds, rate=22050, channels=1):
    samples = array.array("h", (int(8000 * math.sin(2 * math.pi * freq * i / rate))
                                for i in range(int(rate * seconds)) for _ in range(channels)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(samples.tobytes())


def record_vi(folder, words):
    lang = folder / "vi"
    lang.mkdir(parents=True)
    for i, word in enumerate(words):
        tone(lang / f"{clip_name(word)}.wav", 300 + 40 * i, 0.2)
    return lang


def test_clip_names_are_distinct_and_documented():
    names = [clip_name(w) for w in vocabulary()]
    assert len(set(names)) == len(names), "two words would share one clip file"
    assert clip_name("Mời công dân có số thứ tự") == "moi_cong_dan_co_so_thu_tu"
    assert (clip_name("mười"), clip_name("mươi"), clip_name("e-lờ"), clip_name("đê")) == \
        ("muoi", "muoi_ngang", "e_lo", "dde")
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "voice.md"), encoding="utf-8").read()
    for name in names:
        assert f"{name}.wav" in doc, f"{name}.wav is not in docs/voice.md"


def test_announcement_is_the_clips_in_order(tmp_path):
    words = ["Mời công dân có số thứ tự", "đến quầy số", "a", "mười", "lăm", "ba"]
    lang = record_vi(tmp_path / "clips", words)
    tone(lang / "lam.wav", 500, 0.3, rate=16000, channels=2)       # another format: converted with sox
    r = VoiceRenderer(Voice(clips="clips", repeat=2), tmp_path / "cache", base_dir=tmp_path)
    s = compose(Call.from_event(EVENT), r.voice)
    files = r.clips.files_for(s)
    assert [f.name for f in files] == ["moi_cong_dan_co_so_thu_tu.wav", "a.wav", "muoi.wav", "lam.wav",
                                       "den_quay_so.wav", "ba.wav"]
    wav = r.render(s)
    phrase = 5 * 0.2 + 0.3
    assert duration(wav) == pytest.approx(duration(r.chime()) + 0.25 + 2 * phrase + 0.7 + 0.2, abs=0.01)


def test_missing_clip_falls_back_to_espeak(tmp_path, caplog):
    record_vi(tmp_path / "clips", ["Mời công dân có số thứ tự", "đến quầy số", "a", "mười", "ba"])
    r = VoiceRenderer(Voice(clips=str(tmp_path / "clips")), tmp_path / "cache")
    s = compose(Call.from_event(EVENT), r.voice)
    with pytest.raises(ClipsMissing, match="lam.wav"):
        r.clips.files_for(s)
    if shutil.which("espeak-ng"):
        frames, sources = r.phrase_frames(s)
        assert sources[0].name.startswith("tts-") and "lam.wav" in caplog.text


def test_another_language_is_a_folder_and_a_manifest(tmp_path):
    lang = tmp_path / "hmong"
    lang.mkdir()
    for name in ["hu.wav", "mus.wav", "a.wav", "0.wav", "1.wav", "5.wav", "12.wav"]:
        tone(lang / name, 440, 0.1)
    (lang / "manifest.yaml").write_text(
        'reading: characters\nphrase: [hu.wav, "{counter}", mus.wav, "{number}"]\nfiles: {"12": "12.wav"}\n',
        encoding="utf-8")
    clips = ClipSet(tmp_path, "hmong")
    s = compose(Call.from_event(event(1, "A015", 12)), Voice(language="hmong"))
    assert [f.name for f in clips.files_for(s)] == ["hu.wav", "12.wav", "mus.wav", "a.wav", "0.wav", "1.wav",
                                                   "5.wav"]
    (lang / "manifest.yaml").write_text("reading: sung\n", encoding="utf-8")
    with pytest.raises(ValueError, match="reading must be"):
        ClipSet(tmp_path, "hmong")
    with pytest.raises(ValueError, match="no folder"):
        ClipSet(tmp_path, "dao")


# --- the queue --------------------------------------------------------------------------------------------
class RecordingPlayer:
    """Plays nothing; holds each WAV for a fraction of its real length and records when."""

    def __init__(self, scale=0.02):
        self.scale, self.plays, self._stop = scale, [], threading.Event()
        self._active = 0
        self.cut_off = 0                     # sounds stopped before their end

    def play(self, path):
        self._active += 1
        assert self._active == 1, "two sounds at once"
        start = time.monotonic()
        self._stop.clear()
        if self._stop.wait(duration(path) * self.scale):
            self.cut_off += 1
        self.plays.append((path, start, time.monotonic()))
        self._active -= 1

    def stop(self):
        self._stop.set()


class SlowRenderer(VoiceRenderer):
    """espeak-free: a distinct tone per call so files differ, as clips would."""

    def render(self, speech):
        path = self.cache_dir / f"{speech.call.number}-{speech.call.counter}.wav"
        tone(path, 440, 0.5)
        return path


@pytest.fixture
def announcer(tmp_path):
    made = []

    def make(renderer=None, player=None, **kw):
        a = Announcer(renderer or SlowRenderer(Voice(), tmp_path), player or RecordingPlayer(), **kw).start()
        made.append(a)
        return a
    yield make
    for a in made:
        a.stop()
    assert not [t for t in threading.enumerate() if t.name == "announcer"]


def test_burst_of_20_in_order_no_overlap_none_dropped(announcer):
    started = []
    a = announcer(on_start=lambda item: started.append(item.call.number))
    numbers = [f"A{i:03d}" for i in range(1, 21)]
    for i, n in enumerate(numbers):
        a.announce(event(i, n, 1 + i % 5))
    assert a.wait_idle(10)
    assert started == numbers
    plays = a.player.plays
    assert [p.name for p, _, _ in plays] == [f"{n}-{1 + i % 5}.wav" for i, n in enumerate(numbers)]
    for (_, _, end), (_, start, _) in zip(plays, plays[1:]):
        assert end <= start


def test_a_backlog_is_spoken_whole_in_order_once(announcer):
    """Calls pouring in while one is spoken (and replays of some of them, as after a resync) cut nothing off,
    are all spoken, each once, in the order they came."""
    started = threading.Event()
    a = announcer(player=RecordingPlayer(scale=0.05), on_start=lambda item: started.set())
    a.announce(event(1, "A001"))
    assert started.wait(5)
    for seq in range(2, 31):
        a.announce(event(seq, f"A{seq:03d}", 1 + seq % 4))
        if seq % 5 == 0:
            assert a.announce(event(seq - 3, f"A{seq - 3:03d}", 1 + (seq - 3) % 4)) is None
    assert a.wait_idle(30)
    assert [p.name.split("-")[0] for p, _, _ in a.player.plays] == [f"A{seq:03d}" for seq in range(1, 31)]
    assert a.player.cut_off == 0


def test_recall_is_queued_again_and_replays_are_ignored(announcer):
    a = announcer()
    assert a.announce(event(1)) is not None
    assert a.announce(event(1)) is None                  # the same event again (a reconnect replay)
    recall = a.announce(event(2, recall=True))
    assert recall.call.recall
    assert a.wait_idle(5) and len(a.player.plays) == 2


def test_now_speaking_is_the_caption(announcer):
    seen, started = [], threading.Event()
    a = announcer(player=RecordingPlayer(scale=0.3), on_start=lambda item: started.set())
    a.announce(event(1, "C007", 4))
    assert started.wait(5)
    seen.append(a.now.speech.screen)
    assert a.wait_idle(5) and a.now is None
    assert seen == ["Mời số C007 đến quầy 4"]


@needs_espeak
def test_start_within_a_second_with_espeak(announcer, tmp_path):
    renderer = VoiceRenderer(Voice(repeat=2), tmp_path / "cold")
    renderer.prewarm()
    a = announcer(renderer=renderer)
    for i, n in enumerate(["A101", "B204", "C999"]):             # new numbers: espeak runs each time
        item = a.announce(event(i, n))
        assert a.wait_idle(10)
        latency = item.started_at - item.queued_at
        assert latency < 1.0, f"{n} started {latency:.3f} s after the call"
        assert item.wav.name.startswith("ann-") and not item.error


def test_stop_ends_the_sound_and_the_thread(announcer):
    started = threading.Event()
    a = announcer(player=RecordingPlayer(scale=20), on_start=lambda item: started.set())   # 10 s per call
    for i in range(3):
        a.announce(event(i))
    assert started.wait(5)
    t = time.monotonic()
    a.stop()
    assert time.monotonic() - t < 1.0
    assert len(a.player.plays) == 1
    with pytest.raises(RuntimeError, match="stopped"):
        a.announce(event(9))


def test_pygame_player_waits_for_the_end(tmp_path):
    path = tmp_path / "beep.wav"
    tone(path, 660, 0.4)
    player = PygamePlayer()
    t = time.monotonic()
    player.play(path)
    assert 0.3 < time.monotonic() - t < 1.5
    timer = threading.Timer(0.1, player.stop)
    tone(path, 660, 3.0)
    t = time.monotonic()
    timer.start()
    player.play(path)
    assert time.monotonic() - t < 1.0
    import pygame
    pygame.mixer.quit()
