"""The start queue of deadline day, switched on for one test: `start_queue(rate=..,
burst=.., keep=..)` sets the settings and an empty queue (in Redis under a key prefix of
the test's own when the run has REDIS_URL, else in the process); both go back after."""
import uuid

import pytest

from app.quiz.attempts import queue


@pytest.fixture
def start_queue(app):
    keys = ("START_RATE", "START_BURST_SECONDS", "START_PLACE_SECONDS", "START_QUEUE_PREFIX")
    before = {key: app.config.get(key) for key in keys}

    def switch_on(rate=2.0, burst=1.0, keep=60.0):
        app.config.update(START_RATE=rate, START_BURST_SECONDS=burst, START_PLACE_SECONDS=keep,
                          START_QUEUE_PREFIX=f"test-startq-{uuid.uuid4().hex[:8]}:")
        queue.clear()
        return queue.backend()
    yield switch_on
    if app.config.get("START_RATE"):
        queue.clear()
    for key, value in before.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value
