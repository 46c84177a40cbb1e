"""Recorded voice clips: one WAV per word or phrase part, one folder per language.

    clips/                       voice.clips (relative to the config file's folder)
      vi/                        voice.language
        moi_cong_dan_co_so_thu_tu.wav   den_quay_so.wav      phrase parts (slug of the text)
        khong.wav mot.wav hai.wav … chin.wav  muoi.wav (mười)  muoi_ngang.wav (mươi)
        mot_sac.wav (mốt) tu.wav lam.wav linh.wav tram.wav nghin.wav  a.wav be.wav e_lo.wav dde.wav (đê) …
        manifest.yaml            optional
      hmong/ thai/ dao/ …        other languages, same idea, each with its own manifest.yaml

`ClipSet(folder, language).files_for(speech)` lists the files for one announcement (raises ClipsMissing
naming every absent file).  A manifest.yaml may hold:

    reading: words          # words (default: the Vietnamese number reader's words, one clip each)
                            # or characters (each letter/digit one clip: a.wav, 0.wav … 9.wav) for a
                            # language whose numbers the reader doesn't know
    phrase: [intro.wav, "{number}", to_counter.wav, "{counter}"]   # the sentence, in this language's order
    files: {"mươi": muoi_ngang.wav, "12": "12.wav"}                # token → file, overriding the names

Adding a language is a folder and a manifest: no code.  `vocabulary()` lists every word the Vietnamese
reader can say, so a recording session can be planned (and tested for complete, distinct file names).
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml

from display.numbers import DIGITS, GROUPS, LETTERS
from hall.text import nfc

# Where stripping the tone marks would make two words one file name.
NAMES = {"mươi": "muoi_ngang", "mốt": "mot_sac", "đê": "dde"}
MANIFEST_KEYS = {"reading", "phrase", "files"}


class ClipsMissing(LookupError):
    def __init__(self, folder: Path, missing: list[str]):
        self.folder, self.missing = folder, missing
        super().__init__(f"voice clips missing in {folder}: {', '.join(missing)}")


def clip_name(token: str) -> str:
    """The default file name (no .wav) of a token: tone marks dropped, đ → d, spaces and dashes → _."""
    token = nfc(token).strip().lower()
    if token in NAMES:
        return NAMES[token]
    plain = unicodedata.normalize("NFD", token.replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return "_".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def vocabulary() -> list[str]:
    """Every word the Vietnamese reader can say, in recording order."""
    return DIGITS + ["mười", "mươi", "mốt", "tư", "lăm", "linh", "trăm"] + [g for g in GROUPS if g] \
        + list(LETTERS.values())


class ClipSet:
    def __init__(self, folder: Path | str, language: str = "vi"):
        self.folder = Path(folder) / language
        if not self.folder.is_dir():
            raise ValueError(f"voice.clips: no folder {self.folder} for language {language!r}")
        manifest = self.folder / "manifest.yaml"
        data = {}
        if manifest.exists():
            try:
                data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ValueError(f"{manifest}: not valid YAML: {exc}") from None
            if not isinstance(data, dict) or set(data) - MANIFEST_KEYS:
                raise ValueError(f"{manifest}: expected a mapping with keys {sorted(MANIFEST_KEYS)}, "
                                 f"got {sorted(data) if isinstance(data, dict) else type(data).__name__}")
        self.reading = data.get("reading", "words")
        if self.reading not in ("words", "characters"):
            raise ValueError(f"{manifest}: reading must be 'words' or 'characters', not {self.reading!r}")
        self.phrase = data.get("phrase")
        if self.phrase is not None and not (isinstance(self.phrase, list)
                                            and all(isinstance(p, str) for p in self.phrase)):
            raise ValueError(f"{manifest}: phrase must be a list of file names and {{number}}/{{counter}}")
        self.files = {nfc(str(k)): str(v) for k, v in (data.get("files") or {}).items()}

    def file_for(self, token: str) -> Path:
        return self.folder / self.files.get(token, clip_name(token) + ".wav")

    def tokens_for(self, speech) -> list[str]:
        """The clip tokens of one phrase (speech: display.speech.Speech)."""
        call = speech.call
        if self.reading == "words":
            number = [w for kind, v in speech.pieces if kind == "number" for w in v]
            counter = [w for kind, v in speech.pieces if kind == "counter" for w in v]
        else:
            number = list(call.number)
            counter = [str(call.counter)] if str(call.counter) in self.files else list(str(call.counter))
        if self.phrase is None:
            out = []
            for kind, value in speech.pieces:
                out += [value] if kind == "text" else (number if kind == "number" else counter)
            return out
        out = []
        for part in self.phrase:
            out += number if part == "{number}" else counter if part == "{counter}" else [part]
        return out

    def files_for(self, speech) -> list[Path]:
        files = []
        for token in self.tokens_for(speech):
            path = self.folder / token if token.endswith(".wav") else self.file_for(token)
            files.append(path)
        missing = sorted({p.name for p in files if not p.is_file()})
        if missing:
            raise ClipsMissing(self.folder, missing)
        return files
