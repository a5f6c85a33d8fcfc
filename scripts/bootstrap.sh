#!/bin/sh
# Installs whatever express-wsgi is missing on this machine, then builds it. Run by `npm start`
# and `npm test` straight after a clone; quick when everything is already there.
#   sh scripts/bootstrap.sh          Apache, mod_wsgi, npm packages, the build
#   sh scripts/bootstrap.sh --test   and what the test suite uses (Flask, Django, openssl, ...)
set -eu
cd "$(dirname "$0")/.."

RUNTIME_DEBS="apache2 libapache2-mod-wsgi-py3 python3"
TEST_DEBS="python3-flask python3-django python3-pastedeploy python3-venv openssl util-linux procps"
# The module matrix builds mod_wsgi from source as pip would (test/helpers/modules.ts).
MODULE_BUILD_DEBS="apache2-dev python3-dev"
# The container tests build and run examples/docker with podman on stand-in base images that
# mmdebstrap makes (test/helpers/podman.ts); runc, because crun refuses cgroups v1 hybrid mode.
CONTAINER_DEBS="podman runc mmdebstrap uidmap slirp4netns fuse-overlayfs"
debs=$RUNTIME_DEBS
[ "${1:-}" = "--test" ] && debs="$debs $TEST_DEBS $MODULE_BUILD_DEBS $CONTAINER_DEBS"

say() { printf 'express-wsgi bootstrap: %s\n' "$*" >&2; }

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for deb in $debs; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $deb"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
      sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      say "missing Debian packages:$missing"
      say "install them with: sudo apt-get install -y$missing"
      exit 1
    fi
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
else
  # Not Debian or Ubuntu: check what we can and say exactly what to install.
  have_httpd=no
  for h in apache2 httpd /usr/sbin/apache2 /usr/sbin/httpd; do
    command -v "$h" >/dev/null 2>&1 && have_httpd=yes
  done
  have_wsgi=no
  for m in /usr/lib/apache2/modules/mod_wsgi.so /usr/lib64/httpd/modules/mod_wsgi.so \
    /usr/lib/httpd/modules/mod_wsgi.so /usr/libexec/apache2/mod_wsgi.so /usr/lib/apache2/mod_wsgi.so; do
    [ -e "$m" ] && have_wsgi=yes
  done
  command -v mod_wsgi-express >/dev/null 2>&1 && have_wsgi=yes
  if [ $have_httpd = no ] || [ $have_wsgi = no ]; then
    say "Apache httpd 2.4 and mod_wsgi for Python 3 are needed, and this is not a Debian or Ubuntu machine."
    if [ -f /etc/redhat-release ] || [ -f /etc/fedora-release ]; then
      say "install them with: sudo dnf install -y httpd python3-mod_wsgi"
    elif [ -f /etc/alpine-release ]; then
      say "install them with: apk add apache2 apache2-mod-wsgi python3"
    elif [ "$(uname -s)" = Darwin ]; then
      say "install them with: brew install httpd && pip install mod_wsgi"
    else
      say "install Apache httpd 2.4 and mod_wsgi (on Debian: apt-get install $RUNTIME_DEBS)"
    fi
    exit 1
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -f dist/cli.js ] || [ -n "$(find src templates scripts/bundle.mjs package.json tsconfig.json tsconfig.build.json -newer dist/cli.js 2>/dev/null | head -n 1)" ]; then
  say "building"
  npm run --silent build
fi
