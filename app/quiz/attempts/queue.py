"""The start queue of deadline day: starts are admitted at START_RATE a second for the
whole deployment, and a start beyond that rate gets a place in a queue and a waiting
page instead of an attempt. The clock of an attempt starts only when it is started,
after admission, never while its student waits.

A place belongs to a student in a round (never to an address: a school's students
share one NAT address), so a student who reloads, polls again or taps "start" on a
second device keeps the one place they have. Admission is by time, as a generic cell
rate algorithm: every new place takes the next slot, `interval` (1 / START_RATE s)
after the previous one (or now, when the queue is idle), and a place is admitted
once its slot is less than `window` (START_BURST_SECONDS) ahead, so an idle
deployment admits START_RATE x START_BURST_SECONDS starts at once and then one per
interval. The position shown is the number of slots before it is admitted; a place
that nobody waits for any more costs nothing (the slots go by). An admitted place
is kept START_PLACE_SECONDS for its student to use, then dropped: the next start
queues again.

The state is shared by every worker and host in Redis when REDIS_URL is set (one Lua
script per start: atomic, one round trip), else kept in the process (each worker then
admits START_RATE a second of its own). Times are integers of microseconds since the
epoch, from the caller's `now`, so tests move the clock. If Redis does not answer, a
start is admitted (a deadline day with a queue that refuses everyone would be worse
than one without a queue) and the failure is logged."""
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1)


def micros(now):
    """A naive UTC datetime as microseconds since the epoch."""
    delta = now - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class Place:
    """A student's place: `admitted` (may start now), `position` (slots before admission,
    0 when admitted), `wait_seconds` until admission, `new` (taken by this call) and
    `expired` (an admitted place not used in time: gone)."""

    slot: int
    admitted: bool
    position: int
    wait_seconds: float
    new: bool = False
    kept: bool = True  # False: admitted at once, nothing stored


@dataclass(frozen=True)
class Settings:
    interval: int  # microseconds between two admissions
    window: int  # microseconds: a slot less than this ahead is admitted
    keep: int  # microseconds an admitted place is kept for its student

    @classmethod
    def from_config(cls, config):
        rate = float(config.get("START_RATE") or 0)
        if rate <= 0:
            return None
        return cls(interval=max(1, round(1_000_000 / rate)),
                   window=max(1, round(float(config.get("START_BURST_SECONDS", 1.0)) * 1_000_000)),
                   keep=max(1, round(float(config.get("START_PLACE_SECONDS", 120)) * 1_000_000)))

    def place(self, slot, now, new=False, kept=True):
        ahead = slot - now - self.window  # < 0: admitted
        if ahead < 0:
            return Place(slot, True, 0, 0.0, new, kept)
        return Place(slot, False, ahead // self.interval + 1, (ahead + 1) / 1_000_000, new, kept)

    def expired(self, slot, now):
        """An admitted place not used within `keep` of its admission."""
        return now > slot - self.window + self.keep


class MemoryBackend:
    """The queue of one process (no REDIS_URL): a dict under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.last = 0
        self.places = {}
        self.takes = 0

    def take(self, key, now, settings):
        """(slot, new, kept): the key's place if it has one still valid, else a new slot;
        a new slot admitted at once is not stored."""
        with self.lock:
            held = self.places.get(key)
            if held is not None and not settings.expired(held, now):
                return held, False, True
            self.takes += 1
            if self.takes % 1000 == 0:  # forget places nobody came back for
                self.places = {k: v for k, v in self.places.items() if not settings.expired(v, now)}
            slot = max(now, self.last + settings.interval)
            self.last = slot
            if slot - now < settings.window:
                self.places.pop(key, None)
                return slot, True, False
            self.places[key] = slot
            return slot, True, True

    def peek(self, key, now, settings):
        with self.lock:
            held = self.places.get(key)
            if held is None or settings.expired(held, now):
                return None
            return held

    def drop(self, key):
        with self.lock:
            self.places.pop(key, None)

    def clear(self):
        with self.lock:
            self.last, self.places = 0, {}


# KEYS: the deployment's last slot, the place. ARGV: now, interval, window, keep (microseconds).
# Returns {slot, how}: 0 the place held, 1 a new slot admitted at once (not stored), 2 a new place.
_TAKE = """
local now, interval, window, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local held = redis.call('GET', KEYS[2])
if held and now <= tonumber(held) - window + keep then
  return {held, 0}
end
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, last + interval)
local text = string.format('%d', slot)
redis.call('SET', KEYS[1], text, 'PX', math.floor((slot - now) / 1000) + 60000)
if slot - now < window then
  if held then redis.call('DEL', KEYS[2]) end
  return {text, 1}
end
redis.call('SET', KEYS[2], text, 'PX', math.floor((slot - window + keep - now) / 1000) + 1000)
return {text, 2}
"""


class RedisBackend:
    """The queue shared by every worker and host: keys under `prefix` in Redis."""

    def __init__(self, url, prefix):
        from redis import Redis  # only with Redis configured
        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.script = self.redis.register_script(_TAKE)

    def take(self, key, now, settings):
        slot, how = self.script(keys=[self.prefix + "last", self.prefix + key],
                                args=[now, settings.interval, settings.window, settings.keep])
        return int(slot), int(how) != 0, int(how) != 1

    def peek(self, key, now, settings):
        held = self.redis.get(self.prefix + key)
        if held is None or settings.expired(int(held), now):
            return None
        return int(held)

    def drop(self, key):
        self.redis.delete(self.prefix + key)

    def clear(self):
        keys = list(self.redis.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.redis.delete(*keys)


def settings():
    """The queue's settings, or None when START_RATE is 0 (no queue: every start goes through)."""
    return Settings.from_config(current_app.config)


def backend():
    """The app's backend: Redis when REDIS_URL is set, else the process's own memory."""
    url = current_app.config.get("REDIS_URL")
    prefix = current_app.config.get("START_QUEUE_PREFIX", "dvc-startq:")
    backends = current_app.extensions.setdefault("start_queue", {})
    key = (url or "memory", prefix)
    if key not in backends:
        backends[key] = RedisBackend(url, prefix) if url else MemoryBackend()
    return backends[key]


def _key(round_id, student_id):
    return f"{round_id}:{student_id}"


def take_place(round_id, student_id, now):
    """The student's place in the queue for the round: the one they hold (kept), or a new
    one. None when there is no queue. An admitted place is not consumed: `use_place`
    does that when the attempt is started."""
    conf = settings()
    if conf is None:
        return None
    at = micros(now)
    try:
        slot, new, kept = backend().take(_key(round_id, student_id), at, conf)
    except Exception:  # Redis down: admit (see the module's docstring)
        log.exception("start queue: Redis did not answer; the start is admitted")
        return Place(at, True, 0, 0.0, True, False)
    return conf.place(slot, at, new=new, kept=kept)


def peek_place(round_id, student_id, now):
    """The student's place as it stands (None: no place, or it expired), taking nothing."""
    conf = settings()
    if conf is None:
        return None
    at = micros(now)
    try:
        slot = backend().peek(_key(round_id, student_id), at, conf)
    except Exception:
        log.exception("start queue: Redis did not answer")
        return Place(at, True, 0, 0.0, False, False)
    return None if slot is None else conf.place(slot, at)


def use_place(round_id, student_id, place):
    """The place's student starts now: the place is given up (a later start queues again)."""
    if place is None or not place.kept:
        return
    try:
        backend().drop(_key(round_id, student_id))
    except Exception:
        log.exception("start queue: Redis did not answer; the place expires by itself")


def clear():
    """Forget every place and the last slot (tests, and an operator after a drill)."""
    backend().clear()
