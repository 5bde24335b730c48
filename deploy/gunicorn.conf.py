"""gunicorn's settings for helpdesk-web (deploy/systemd/helpdesk-web.service; docs/DEPLOY.md §3).

Threaded workers: a request that waits (a slow client body, a slow database) holds one
thread, not a whole process. The TLS proxy in front buffers request bodies (DEPLOY.md), so
in production a body reaches gunicorn whole and at loopback speed; the threads are what keep
the site answering when something reaches gunicorn slowly anyway. Command-line options win
over this file (the tests bind another port with ``--bind``).
"""

bind = "127.0.0.1:8000"
# Two or three workers per core; four threads each: 12 requests at once on 2 cores, and as
# many database connections (DB_CONN_MAX_AGE keeps one per thread).
workers = 3
worker_class = "gthread"
threads = 4
# A worker whose main loop is silent this long is killed and restarted. With threads the
# main loop stays alive while a request is slow, so this bounds a hung worker, not a request.
timeout = 30
graceful_timeout = 30
# Idle keep-alive connections from the proxy are closed after this many seconds.
keepalive = 5
# Request line and header bounds (gunicorn's defaults, written out so that they are seen).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
