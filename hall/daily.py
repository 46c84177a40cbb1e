"""The day keeper: at the start of each local day, tickets left open from earlier days are closed."""
from __future__ import annotations

import logging

log = logging.getLogger("motcua")


def start_day_keeper(hall, socketio, every_s: float = 60.0):
    hall.close_day()

    def keep():
        day = hall.clock.today()
        while True:
            socketio.sleep(every_s)
            if hall.clock.today() != day:
                day = hall.clock.today()
                try:
                    log.info("new day %s: closed %d ticket(s)", day, hall.close_day())
                except Exception:  # keep the keeper alive; the next minute tries again
                    log.exception("closing the day failed")

    return socketio.start_background_task(keep)
