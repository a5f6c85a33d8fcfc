#!/bin/sh
# Entry point of the express-wsgi example image. Writes the server root for the arguments given
# (the image's CMD unless `docker run IMAGE ARGS...` replaces it), with the logs on the container's
# output (error log to stderr, access log to stdout), then replaces itself with Apache:
# httpd becomes PID 1 and receives docker stop's or Kubernetes' SIGTERM itself, with no shell or
# Node process in between.
#
# Except with a terminal (`docker run -t`): a terminal resize then sends SIGWINCH to PID 1, and for
# httpd that is graceful-stop, so the container would exit at the first resize. With a terminal the
# entry point becomes express-wsgi's launcher instead (start-server, the same arguments and server
# root), which runs Apache in a session of its own, forwards the signals Apache acts on and
# swallows SIGWINCH. `-t` gives the container the pseudo-terminal as stdin, stdout and stderr at
# once, with or without `-i`; `-i` alone gives pipes and no terminal, hence no resize to fear.
# Either descriptor being a terminal is taken as a terminal, to be on the safe side.
#
# Before Apache starts, either way, the application is imported once (`apachectl check-app`), as
# its mod_wsgi process will import it: an application that cannot be imported (a syntax error, a
# missing module, an exception at import) stops the container with status 1 and the traceback in
# its logs, rather than leaving Apache up to answer every request with a 500.
#   EXPRESS_WSGI            the express-wsgi command, split on spaces (default: express-wsgi)
#   EXPRESS_WSGI_ROOT       the server root (default: /srv/express-wsgi)
#   EXPRESS_WSGI_CHECK_APP  0 skips that import (for an application whose import must not run twice)
set -eu

EXPRESS_WSGI=${EXPRESS_WSGI:-express-wsgi}
EXPRESS_WSGI_ROOT=${EXPRESS_WSGI_ROOT:-/srv/express-wsgi}
EXPRESS_WSGI_CHECK_APP=${EXPRESS_WSGI_CHECK_APP:-1}

# Until Apache replaces it, this shell is PID 1, which gets no signal it does not handle: a step
# that takes long (setup-server on a slow disk, an import that hangs) would make `docker stop` wait
# for its grace period and SIGKILL. So each step runs in the background, and `wait` returns on
# SIGTERM or SIGINT, which then end the step and the container with the shell's status for them.
# (`|| :`: under set -e, a step that has just ended would make the kill fail and the shell exit 1.)
# What remains: from `exec` below until httpd (or start-server) has its own handlers, some 50 ms
# plus the time an --envvars-script takes, a SIGTERM to PID 1 is still lost; `docker run --init`
# (or tini) closes that too.
step=
trap 'if [ -n "$step" ]; then kill "$step" 2>/dev/null || :; fi; exit 143' TERM
trap 'if [ -n "$step" ]; then kill "$step" 2>/dev/null || :; fi; exit 130' INT
run_step() {
  "$@" &
  step=$!
  # A failed step ends the container with its status (set -e does not apply inside `||`).
  wait "$step" || exit
  step=
}

# The arguments come before --server-root, which must match the apachectl run below.
# shellcheck disable=SC2086 # EXPRESS_WSGI may be a command with arguments, e.g. "node dist/cli.js"
run_step $EXPRESS_WSGI setup-server --log-to-terminal --access-log "$@" --server-root "$EXPRESS_WSGI_ROOT"

if [ "$EXPRESS_WSGI_CHECK_APP" != 0 ]; then
  run_step "$EXPRESS_WSGI_ROOT/apachectl" check-app
fi
trap - TERM INT

if [ -t 0 ] || [ -t 1 ]; then
  # start-server writes the same server root again (it always does) and then supervises Apache.
  # shellcheck disable=SC2086
  exec $EXPRESS_WSGI start-server --log-to-terminal --access-log "$@" --server-root "$EXPRESS_WSGI_ROOT"
fi

exec "$EXPRESS_WSGI_ROOT/apachectl" start -DFOREGROUND
