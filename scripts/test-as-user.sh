#!/bin/sh
# Runs the integration tests again as an unprivileged user when the suite runs as root: Apache
# behaves differently for root (it drops to www-data) and for everyone else, and both must work.
# Needs the build and node_modules in place (npm test runs this after the root pass).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || exit 0

user=express-wsgi-test
id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"

copy=$(mktemp -d /tmp/express-wsgi-user-test.XXXXXX)
trap 'rm -rf "$copy"' EXIT
chmod 755 "$copy"
# The repository may live where the user cannot look (e.g. under /root): test a copy it owns.
tar -cf - --exclude=./.git . | tar -xf - -C "$copy"
mkdir -p "$copy/.home"
chown -R "$user" "$copy"

echo "express-wsgi: integration tests again as the unprivileged user $user"
cd "$copy"
# EXPRESS_WSGI_TEST_MODULE_SOURCES: the module matrix reuses (read-only) the modules the root pass built.
runuser -u "$user" -- env HOME="$copy/.home" TMPDIR=/tmp PATH="$PATH" \
  EXPRESS_WSGI_TEST_MODULE_SOURCES="${EXPRESS_WSGI_TEST_MODULE_SOURCES:-}" \
  node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js \
  --selectProjects integration --ci
