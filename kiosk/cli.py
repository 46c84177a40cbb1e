"""`motcua kiosk --server URL`: start the touchscreen kiosk (settings from config.yaml's devices.kiosks)."""
from __future__ import annotations

import re

import click

from hall.config import ConfigError, load_config


def parse_size(value):
    if value is None:
        return None
    m = re.fullmatch(r"(\d{3,5})[xX×](\d{3,5})", value.strip())
    if not m:
        raise click.BadParameter(f"{value!r} is not WIDTHxHEIGHT, e.g. 1920x1080")
    return int(m.group(1)), int(m.group(2))


@click.command("kiosk")
@click.option("--server", required=True, help="The hall server, e.g. http://127.0.0.1:5000")
@click.option("--config", "config_path", default=None, help="config.yaml (default: MOTCUA_CONFIG or the bundled one)")
@click.option("--kiosk", "kiosk_id", default=None, help="Which devices.kiosks entry this is (default: the first)")
@click.option("--fullscreen/--windowed", default=True, help="Fullscreen on the touchscreen (default) or a window")
@click.option("--size", default=None, help="Window size WIDTHxHEIGHT (default: the screen's, or 1280x720 windowed)")
def kiosk_command(server, config_path, kiosk_id, fullscreen, size):
    """Run the touchscreen kiosk that issues tickets."""
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    kiosks = cfg.devices.kiosks
    if not kiosks:
        raise click.ClickException("config has no devices.kiosks entry: add one with an id and a token")
    settings = next((k for k in kiosks if k.id == kiosk_id), None) if kiosk_id else kiosks[0]
    if settings is None:
        raise click.ClickException(f"no kiosk '{kiosk_id}' in devices.kiosks (known: "
                                   f"{', '.join(k.id for k in kiosks)})")
    from kiosk.app import KioskApp
    app = KioskApp(cfg, settings, server, size=parse_size(size), fullscreen=fullscreen)
    try:
        app.run()
    finally:
        app.close()


commands = [kiosk_command]
