"""gunicorn settings of one deflect replica (``gunicorn -c deploy/gunicorn.conf.py 'deflect:create_app()'``).

Settings of the service itself come from the environment (``DEFLECT_*``,
see the README); this file only says how gunicorn runs it.
"""
import multiprocessing

bind = "127.0.0.1:8000"                     # nginx (deploy/nginx/deflect.conf) proxies to it
workers = multiprocessing.cpu_count() + 1   # the search is CPU-bound: about one worker per core
threads = 4                                 # forms wait on the database and SMTP-free I/O
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then, but rarely: a worker's start (the app, the everyday-word lists,
# the index opened) costs about 2 s of CPU; at 5,000 requests a 1,000-requests/s replica restarted a
# worker every 5 s, which cost a third of its throughput and put 0.4–2 s on its p99 (bench/load_drill.py).
max_requests = 50000
max_requests_jitter = 5000
# The API takes questions of up to 2,000 characters (up to 18 kB percent-encoded): longer than
# gunicorn's own request-line cap (8,190 bytes), so the cap is nginx's (large_client_header_buffers)
# and the app answers a too-long question with its JSON 413.
limit_request_line = 0
accesslog = "-"
errorlog = "-"
