"""gunicorn settings of an app host: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`
(systemd/dvc1588-web.service). Each can be changed from the environment; options on
the command line win over this file."""
import multiprocessing
import os

# nginx on another machine reaches this address; on the same machine, 127.0.0.1:8000
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# threads, not more processes: a request mostly waits for PostgreSQL, and every process
# holds its own database pool (DB_POOL_SIZE + DB_MAX_OVERFLOW connections at most)
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# a page over this is killed and logged; long work runs as a background job instead
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# SIGTERM (systemctl stop, restart): requests in flight get this long to finish
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# longer than nginx's upstream keepalive, so nginx never reuses a connection gunicorn just closed
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# nginx is the one proxy (PROXY_COUNT=1 in the app): gunicorn itself trusts no forwarded headers
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# errors to stderr (the journal); nginx keeps the access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# a fresh process now and then keeps a slow leak from growing
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# gunicorn's control socket has one default path per user: two instances on one machine
# (make run-cluster) would take it from each other, and systemd restarts the service anyway
control_socket_disable = True
