"""Pages kept a short while in the app's cache (`app.extensions.cache`: each process's
memory, or Redis when REDIS_URL is set), as CTFd keeps its scoreboard.

A key names what the page shows and its version (for results: when they were
published), so a new version gets new keys. The keys of the old version are deleted
once the change is committed (`forget_after_commit`), as CTFd's `clear_standings`
does: at once where the cache is shared (Redis), and only in the publishing process's
own memory otherwise.

The cache only saves work: when it fails, the page is made as if it were empty."""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache

log = logging.getLogger(__name__)
_FORGET = "core.pagecache.forget_after_commit"


def cached(key, make, timeout):
    """The text kept under `key`, else `make()`, kept for `timeout` seconds. An exception
    from `make` (a 404) is raised and nothing is kept."""
    try:
        text = cache.get(key)
    except Exception:  # a cache server away: serve the page uncached
        log.warning("cache read failed for %s", key, exc_info=True)
        return make()
    if text is None:
        text = make()
        try:
            cache.set(key, text, timeout=timeout)
        except Exception:
            log.warning("cache write failed for %s", key, exc_info=True)
    return text


def forget_after_commit(session, keys):
    """Delete these keys from the cache once `session` commits (a rollback keeps them:
    what they show is still current)."""
    session.info.setdefault(_FORGET, []).extend(keys)


@event.listens_for(Session, "after_commit")
def _forget_committed(session):
    keys = session.info.pop(_FORGET, [])
    if keys:
        try:
            cache.delete_many(*keys)
        except Exception:  # they expire by themselves, and the new version has new keys
            log.warning("cache delete failed for %d keys", len(keys), exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _keep_on_rollback(session, transaction):
    if transaction.parent is None:
        session.info.pop(_FORGET, None)
