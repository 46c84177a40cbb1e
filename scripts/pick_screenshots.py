"""Copy the screenshots the tests made (out/) that the README shows into docs/screenshots, scaled down.

Run by `make screenshots` after the tests; the README's pictures are therefore always made by the tests."""
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PICKS = {
    "kiosk-home.png": "out/screenshots/kiosk/home-1920x1080.png",
    "kiosk-result.png": "out/screenshots/kiosk/result-1920x1080.png",
    "kiosk-search.png": "out/screenshots/kiosk/search-1920x1080.png",
    "ticket.png": "out/printed/network-576-A016.png",
    "display-busy.png": "out/screenshots/display/busy-1920x1080.png",
    "display-stale.png": "out/screenshots/display/stale-1366x768.png",
    "pad-rate.png": "out/screenshots/pad/rate-800x480.png",
    "counter-panel.png": "out/screenshots/web/counter-serving-1366.png",
    "supervisor.png": "out/screenshots/web/supervisor-1366.png",
    "ticket-page-phone.png": "out/screenshots/web/ticket-your-turn-phone.png",
}


def main():
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for name, source in PICKS.items():
        path = ROOT / source
        if not path.exists():
            print(f"missing (run the tests first): {source}")
            continue
        image = Image.open(path).convert("RGB")
        image.thumbnail((960, 960))
        image.save(out / name, optimize=True)
        print(f"docs/screenshots/{name} ← {source}")


if __name__ == "__main__":
    main()
