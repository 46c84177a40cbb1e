"""`motcua display` (the wall display) and `motcua pad` (a counter's rating pad); picked up by hall/cli.py."""
from __future__ import annotations

import logging
import sys

import click

from hall.config import ConfigError, default_config_path, load_config

config_option = click.option("--config", "config_path", default=None, envvar="MOTCUA_CONFIG",
                             help="config.yaml of the hall: the device's token and settings (default: the bundled one)")


def parse_size(text: str | None) -> tuple[int, int] | None:
    """"1920x1080" → (1920, 1080); None → None."""
    if not text:
        return None
    w, sep, h = text.lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        size = None
    if not sep or size is None or min(size) < 200 or max(size) > 8192:
        raise click.BadParameter(f"{text!r}: give the size as WIDTHxHEIGHT, e.g. 1920x1080", param_hint="--size")
    return size


def _config(config_path):
    try:
        return load_config(config_path or default_config_path())
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def _device(items, key, value, what: str):
    for item in items:
        if getattr(item, key) == value:
            return item
    known = ", ".join(str(getattr(i, key)) for i in items) or "none"
    raise click.BadParameter(f"no {what} {value!r} in config.yaml (known: {known})")


@click.command("display")
@config_option
@click.option("--server", required=True, help="the hall server, e.g. http://192.168.1.10:5000")
@click.option("--display", "display_id", default=None, help="the display's id in devices.displays (default: the first)")
@click.option("--zone", default=None, help="only these counters/units, e.g. 1-10,15 or TP,TNMT (default: from config)")
@click.option("--size", default=None, help="WIDTHxHEIGHT (default: the screen's own size)")
@click.option("--windowed", is_flag=True, help="a window instead of full screen")
@click.option("--voice/--no-voice", default=True, show_default=True, help="announce calls aloud")
@click.option("--leds/--no-leds", default=None,
              help="feed devices.led_boards (default: only from the first display in config)")
@click.option("-v", "--verbose", is_flag=True)
def display_command(config_path, server, display_id, zone, size, windowed, voice, leds, verbose):
    """The wall display: calls, counters, the last calls, the announcement line, and the voice."""
    from display.wall import WallDisplay
    from display.wall_state import Zone
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    cfg = _config(config_path)
    if not cfg.devices.displays:
        raise click.UsageError("config.yaml has no devices.displays: add one with its token")
    display = _device(cfg.devices.displays, "id", display_id, "display") if display_id else cfg.devices.displays[0]
    try:
        chosen_zone = Zone.parse(zone) if zone else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--zone") from None
    if chosen_zone:
        units = set(cfg.unit_by_code)
        unknown = sorted(chosen_zone.units - units)
        if unknown:
            raise click.BadParameter(f"unknown unit(s) {', '.join(unknown)} (known: {', '.join(sorted(units))})",
                                     param_hint="--zone")
    if leds is None:
        leds = display.id == cfg.devices.displays[0].id
    wall = WallDisplay(server, display.token, display=display, cfg=cfg, zone=chosen_zone,
                       size=parse_size(size) or ((1280, 720) if windowed else None), fullscreen=not windowed,
                       voice=voice, leds=leds)
    wall.start()
    try:
        wall.run()
    finally:
        wall.stop()


@click.command("pad")
@config_option
@click.option("--counter", required=True, type=int, help="the counter this pad stands at")
@click.option("--server", required=True, help="the hall server, e.g. http://192.168.1.10:5000")
@click.option("--keypad", "keypad_port", default=None, help="a serial rating keypad too, e.g. /dev/ttyUSB1")
@click.option("--keypad-baud", default=9600, show_default=True, type=int)
@click.option("--size", default=None, help="WIDTHxHEIGHT (default: the screen's own size)")
@click.option("--windowed", is_flag=True, help="a window instead of full screen")
@click.option("-v", "--verbose", is_flag=True)
def pad_command(config_path, counter, server, keypad_port, keypad_baud, size, windowed, verbose):
    """A counter's rating pad: asks the citizen to rate the visit the counter just finished."""
    from display.pad import RatingPad
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    cfg = _config(config_path)
    pad = _device(cfg.devices.pads, "counter", counter, "pad for counter")
    app = RatingPad(server, pad.token, counter, cfg=cfg, size=parse_size(size) or ((1024, 600) if windowed else None),
                    fullscreen=not windowed, keypad_port=keypad_port, keypad_baud=keypad_baud)
    app.start()
    try:
        app.run()
    finally:
        app.stop()


commands = [display_command, pad_command]
