"""`at_once(*calls)`: run each call in its own thread, app context and database session,
all at the same time (as on several hosts), and give back what each returned or raised,
in the order given."""
import threading

import pytest

from app.extensions import db


@pytest.fixture
def at_once(app):
    def run(*calls, timeout=60):
        outcomes = [None] * len(calls)

        def work(index, call):
            with app.app_context():
                try:
                    outcomes[index] = call()
                except Exception as error:  # the outcome the caller looks at
                    outcomes[index] = error
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        return outcomes
    return run
