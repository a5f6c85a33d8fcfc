#!/bin/sh
# Entry point of the express-wsgi example image. Writes the server root for the arguments given
# (the image's CMD unless `docker run IMAGE ARGS...` replaces it), with the logs on the container's
# output (error log to stderr, access log to stdout), then replaces itself with Apache:
# httpd becomes PID 1 and receives docker stop's or Kubernetes' SIGTERM itself, with no shell or
# Node process in between.
#   EXPRESS_WSGI       the express-wsgi command, split on spaces (default: express-wsgi)
#   EXPRESS_WSGI_ROOT  the server root (default: /srv/express-wsgi)
set -eu

EXPRESS_WSGI=${EXPRESS_WSGI:-express-wsgi}
EXPRESS_WSGI_ROOT=${EXPRESS_WSGI_ROOT:-/srv/express-wsgi}

# The arguments come before --server-root, which must match the apachectl started below.
# shellcheck disable=SC2086 # EXPRESS_WSGI may be a command with arguments, e.g. "node dist/cli.js"
$EXPRESS_WSGI setup-server --log-to-terminal --access-log "$@" --server-root "$EXPRESS_WSGI_ROOT"

exec "$EXPRESS_WSGI_ROOT/apachectl" start -DFOREGROUND
