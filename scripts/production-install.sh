#!/usr/bin/env bash
# The container image's build and start steps, run outside Docker (no Docker engine runs on our CI
# machines): build once with the development dependencies, copy only what the Dockerfile's final
# stage copies into a clean directory, install the production dependencies there
# (`npm ci --omit=dev`), start the built server with secrets passed as files, and check `/readyz`
# and a sign-up. Any failure exits non-zero. Used by CI (`npm run test:production-install`).
#
# NODE_BIN: the Node.js 24 that runs the production copy (the image's base provides it; here the
# project's pinned `node` devDependency stands in for it).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
node_bin="${NODE_BIN:-$root/node_modules/node/bin/node}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "production-install: build (server → dist/, console → web/dist/)"
npm run --silent build

echo "production-install: clean copy in $work"
mkdir -p "$work/app/web" "$work/app/packages/client" "$work/secrets" "$work/data"
cp package.json package-lock.json "$work/app/"
cp web/package.json "$work/app/web/"
# Workspaces (root package.json): npm ci needs each one's manifest.
cp packages/client/package.json "$work/app/packages/client/"
cp -R dist "$work/app/dist"
cp -R web/dist "$work/app/web/dist"

echo "production-install: npm ci --omit=dev"
(cd "$work/app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
for dev in typescript vite vitest react @biomejs/biome drizzle-kit node; do
  if [[ -e "$work/app/node_modules/$dev" ]]; then
    echo "production-install: development dependency '$dev' was installed" >&2
    exit 1
  fi
done

"$node_bin" -e "
  const c = require('crypto');
  const fs = require('fs');
  fs.writeFileSync('$work/secrets/master_keys', 'k1:' + c.randomBytes(32).toString('base64'));
  fs.writeFileSync('$work/secrets/jwt_keys', 'j1:' + c.randomBytes(32).toString('base64'));
"
port="$("$node_bin" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"

echo "production-install: start on 127.0.0.1:$port"
(
  cd "$work/app"
  exec env -i PATH="$PATH" HOME="$work" NODE_ENV=production HOST=127.0.0.1 PORT="$port" \
    ROLEGATE_DATA_DIR="$work/data" \
    ROLEGATE_MASTER_KEYS_FILE="$work/secrets/master_keys" \
    ROLEGATE_JWT_KEYS_FILE="$work/secrets/jwt_keys" \
    ROLEGATE_AWS_PRINCIPAL_ARN="arn:aws:iam::123456789012:role/RolegateService" \
    AWS_REGION=us-east-1 \
    "$node_bin" dist/cli.js serve
) >"$work/server.log" 2>&1 &
server_pid=$!

base="http://127.0.0.1:$port"
ready=""
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then ready=yes; break; fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "production-install: /readyz never answered 200; server log:" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
fi
echo "production-install: /readyz 200"

status="$(curl -sS -o "$work/signup.json" -w '%{http_code}' -X POST "$base/v1/auth/signup" \
  -H 'content-type: application/json' \
  --data '{"email":"first.user@example.com","password":"a long production passphrase 42"}')"
if [[ "$status" != "201" ]]; then
  echo "production-install: sign-up answered $status: $(cat "$work/signup.json")" >&2
  exit 1
fi
echo "production-install: sign-up 201"
status="$(curl -sS -o /dev/null -w '%{http_code}' "$base/")"
if [[ "$status" != "200" ]]; then
  echo "production-install: the console at / answered $status" >&2
  exit 1
fi
echo "production-install: console 200"

kill -TERM "$server_pid"
wait "$server_pid" || { echo "production-install: server did not shut down cleanly" >&2; exit 1; }
server_pid=""
echo "production-install: passed"
