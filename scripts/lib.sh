# Shared by scripts/dev and scripts/test: install what is missing, skip what is there.
# Each `ensure_*` checks first and is quick when the tool is already installed.
# Sourced, not run: the caller sets `set -euo pipefail` and cds to the project root.

CARGO_LEPTOS_VERSION=0.3.11

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Build tools from npm (wasm-opt) live in scripts/node_modules.
export PATH="$PWD/scripts/node_modules/.bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Seconds since the script started, as `1m 05s`.
elapsed() {
  local seconds=$((SECONDS))
  if [ "$seconds" -ge 60 ]; then
    printf '%dm %02ds' $((seconds / 60)) $((seconds % 60))
  else
    printf '%ds' "$seconds"
  fi
}
# The server binary's name: `bin-target` of the workspace's Leptos metadata (a generated
# project names it after itself), or `server`.
SERVER_BIN=$(sed -n 's/^bin-target = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
SERVER_BIN=${SERVER_BIN:-server}

have() { command -v "$1" >/dev/null 2>&1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The channel pinned in rust-toolchain.toml, e.g. 1.99.1.
pinned_toolchain() {
  sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml
}

ensure_toolchain() {
  local toolchain
  toolchain=$(pinned_toolchain)
  if ! have rustup; then
    echo "rustup is required: see https://rustup.rs" >&2
    exit 1
  fi
  if rustup run "$toolchain" rustc --version >/dev/null 2>&1 &&
    rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32-unknown-unknown &&
    rustup component list --installed --toolchain "$toolchain" | grep -q '^clippy' &&
    rustup component list --installed --toolchain "$toolchain" | grep -q '^rustfmt'; then
    return
  fi
  step "Installing Rust $toolchain with the wasm32 target, clippy and rustfmt"
  rustup toolchain install "$toolchain" --profile minimal \
    --component clippy --component rustfmt --target wasm32-unknown-unknown
}

ensure_cargo_leptos() {
  if have cargo-leptos && [ "$(cargo-leptos --version 2>/dev/null)" = "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    return
  fi
  step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads: it uses the tools on PATH)"
  # A tool we run, not ship: built without optimisation (about 4 minutes on 2 cores
  # instead of 9 to 10 with its release profile, LTO or not), except where a release
  # build feels it: brotli and gzip for --precompress (brotli's generic code is compiled
  # into cargo-leptos itself, hence its opt-level 1), the wasm splitter, file hashes.
  # Measured: a release build takes as long with it (90 s) as with a release-built one.
  local fast=(brotli brotli-decompressor alloc-no-stdlib miniz_oxide flate2 crc32fast adler2
    walrus wasmparser md-5)
  local config=(--config 'profile.dev.debug=false' --config 'profile.dev.package.cargo-leptos.opt-level=1')
  local package
  for package in "${fast[@]}"; do
    config+=(--config "profile.dev.package.$package.opt-level=3")
  done
  env -u CARGO_TARGET_DIR cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads \
    --debug "${config[@]}"
}

# The wasm-bindgen CLI must be exactly the version of the crate in Cargo.lock.
ensure_wasm_bindgen() {
  local version
  version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if [ -z "$version" ]; then
    echo "no wasm-bindgen in Cargo.lock" >&2
    exit 1
  fi
  if have wasm-bindgen && [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $version" ]; then
    return
  fi
  step "Installing wasm-bindgen-cli $version (the version in Cargo.lock)"
  # Not --locked: its lockfile has named a dependency version the registry lacks. Only
  # the wasm-bindgen binary, unoptimised like cargo-leptos: it builds in 75 s instead of
  # 195 on 2 cores, and runs in 3 s instead of 1 on a release bundle.
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$version" --force --bin wasm-bindgen \
    --debug --config 'profile.dev.debug=false'
}

# Installs an npm project's packages when its lockfile changed since the last install.
ensure_npm_packages() {
  local dir=$1 stamp
  stamp="$dir/node_modules/.mizan-lock-sha"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  step "Installing npm packages in $dir"
  # No downloads or telemetry from install scripts (swagger-ui-dist brings @scarf/scarf).
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 SCARF_ANALYTICS=false npm ci --no-audit --no-fund)
  echo "$want" >"$stamp"
}

# wasm-opt from npm's binaryen: Debian's (version 108) breaks hydration of release builds.
ensure_wasm_opt() {
  ensure_npm_packages scripts
}

# The API page's script and styles (Swagger UI from npm's swagger-ui-dist, with its
# licence), copied into the site's assets (`public/api-docs`, not committed): `/api/docs`
# loads nothing from another site.
ensure_api_docs_assets() {
  ensure_npm_packages scripts
  local from=scripts/node_modules/swagger-ui-dist to=public/api-docs file
  mkdir -p "$to"
  for file in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
    cmp -s "$from/$file" "$to/$file" || cp "$from/$file" "$to/$file"
  done
}

# The release build: the browser bundle split into a part per page (`--split`, loaded
# when a page is first shown) and every static file also written brotli- and
# gzip-compressed (`--precompress`), which the server sends as they are.
RELEASE_BUILD=(cargo leptos build --release --split --precompress)

# Starts the release build in the background, with the environment as it is: the browser
# bundle (`--frontend-only`, compiled in `target/front`) and the server (`--server-only`)
# at once. cargo-leptos alone builds them one after the other for a release with hashed
# or precompressed files, so that a server which embeds the site compiles after it; ours
# embeds nothing (it reads the site and the hash file when it starts). In that order one
# core idles while the bundle's single codegen unit, wasm-bindgen and wasm-opt run, and
# again while the server's last crates compile. cargo-leptos and the wasm-bindgen CLI, when
# missing, are built first, in the same background: on a fresh machine the checks compile
# meanwhile. `wait_release_build` waits and prints their output; a script that may exit
# before that ends the build with `stop_release_build` in its EXIT trap.
start_release_build() {
  ensure_wasm_opt
  ensure_api_docs_assets
  RELEASE_LOGS=$(mktemp -d /tmp/mizan-release.XXXXXX)
  # Its own process group (job control for this one start), which stop_release_build ends.
  set -m
  (
    { ensure_cargo_leptos && ensure_wasm_bindgen; } >"$RELEASE_LOGS/tools" 2>&1 || exit
    "${RELEASE_BUILD[@]}" --frontend-only >"$RELEASE_LOGS/front" 2>&1 &
    front=$!
    status=0
    "${RELEASE_BUILD[@]}" --server-only >"$RELEASE_LOGS/server" 2>&1 || status=$?
    wait "$front" || status=$?
    exit "$status"
  ) </dev/null >/dev/null 2>&1 &
  RELEASE_BUILD_PID=$!
  set +m
  echo "Its output, printed when it ends: $RELEASE_LOGS/{tools,front,server} (tail -f to follow)."
}

# Waits for start_release_build's build, prints its output, and fails with it.
wait_release_build() {
  local status=0
  wait "$RELEASE_BUILD_PID" || status=$?
  RELEASE_BUILD_PID=
  cat "$RELEASE_LOGS/tools" "$RELEASE_LOGS/front" "$RELEASE_LOGS/server" 2>/dev/null || true
  rm -rf "$RELEASE_LOGS"
  if [ "$status" -ne 0 ]; then
    echo "The release build failed: its output is above." >&2
    exit "$status"
  fi
}

# Ends a release build still running (for an EXIT trap: a failed check or Ctrl-C stops
# it). Nothing of a stopped build is kept, so it is killed outright: cargo-leptos would
# finish compressing files after a SIGTERM, while the caller removes its directories.
stop_release_build() {
  if [ -n "${RELEASE_BUILD_PID:-}" ]; then
    kill -KILL -- "-$RELEASE_BUILD_PID" 2>/dev/null || true
    wait "$RELEASE_BUILD_PID" 2>/dev/null || true
    RELEASE_BUILD_PID=
  fi
  if [ -n "${RELEASE_LOGS:-}" ]; then rm -rf "$RELEASE_LOGS"; fi
}

# This repository's release build, started: built beside the current one
# (`target/site.next`, `target/release/hash.next.txt`) and swapped in by
# finish_release_next only when the whole build succeeded, so a failed build leaves the
# site and the hash file that worked. The development build (`./scripts/dev`) writes
# `target/site-dev`, never this one.
start_release_next() {
  rm -rf target/site.next target/release/hash.next.txt
  LEPTOS_SITE_ROOT=target/site.next LEPTOS_HASH_FILE_NAME=hash.next.txt start_release_build
}

# Waits for start_release_next's build and swaps it in.
finish_release_next() {
  step "Release build (${RELEASE_BUILD[*]}; the bundle and the server at once)"
  wait_release_build
  rm -rf target/site.old
  if [ -d target/site ]; then mv target/site target/site.old; fi
  mv target/site.next target/site
  if [ -f target/release/hash.next.txt ]; then mv target/release/hash.next.txt target/release/hash.txt; fi
  rm -rf target/site.old
}

# The release build, started and waited for (scripts/build-release, scripts/bench); an
# interrupted script leaves no build running.
build_release() {
  trap stop_release_build EXIT
  start_release_next
  finish_release_next
  trap - EXIT
}

# Installs, in one apt-get run, the Debian packages whose command is missing. Each
# argument is `command:package`, e.g. `/usr/bin/chromium:chromium`.
ensure_debian() {
  local spec missing=()
  for spec in "$@"; do
    local command=${spec%%:*} package=${spec#*:}
    if [ -x "$command" ] || have "$command"; then
      continue
    fi
    missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  if ! have apt-get; then
    echo "Missing ${missing[*]}, and no apt-get to install them: install them yourself." >&2
    exit 1
  fi
  step "Installing ${missing[*]} from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
}

# What the tests need from Debian: chromium for Playwright (which never downloads a
# browser); redis-server and PostgreSQL, which the tests start on their own ports.
ensure_test_services() {
  ensure_debian /usr/bin/chromium:chromium redis-server:redis-server pg_ctlcluster:postgresql
}

# `GET <path>` from <host>:<port> over bash's /dev/tcp (no curl on a fresh machine): the
# whole answer, status line first; nothing when the server does not answer.
http_get() {
  (exec 3<>"/dev/tcp/$1/$2" && printf 'GET %s HTTP/1.0\r\nAccept: text/html\r\n\r\n' "$3" >&3 &&
    cat <&3) 2>/dev/null || true
}

# Waits until the server at URL (started as PID, writing LOG) answers /readyz: at most
# 30 s; fails showing its log if it stops or never gets ready.
wait_ready() {
  local url=$1 pid=$2 log=$3
  for _ in $(seq 300); do
    curl -sf "$url/readyz" >/dev/null && return
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  echo "the server at $url did not get ready" >&2
  exit 1
}

# A free TCP port on 127.0.0.1, below Linux's ephemeral range (32768 and up), where
# outgoing connections take their local ports and could take it before the server binds.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# Runs a command as the `postgres` user when we are root (PostgreSQL refuses to run as
# root), as ourselves otherwise.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway PostgreSQL cluster on a free loopback port (no fsync: test data
# only) and exports TEST_DATABASE_URL, an admin URL on it. Stopped by stop_services.
start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
    exit 1
  fi
  PG_DIR=$(mktemp -d /tmp/mizan-pg.XXXXXX)
  PG_PORT=$(free_port)
  PG_BIN=$bin
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; fi
  as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust >/dev/null
  as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR \
        -c max_connections=500 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c lock_timeout=20s -c idle_in_transaction_session_timeout=60s" \
    >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  step "PostgreSQL on 127.0.0.1:$PG_PORT"
}

# Starts a throwaway redis-server on a free loopback port and exports TEST_REDIS_URL.
start_redis() {
  REDIS_DIR=$(mktemp -d /tmp/mizan-redis.XXXXXX)
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" >/dev/null
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  step "Redis on 127.0.0.1:$REDIS_PORT"
}

# Stops what start_postgres and start_redis started (for `trap stop_services EXIT`).
stop_services() {
  if [ -n "${PG_DIR:-}" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  if [ -n "${REDIS_DIR:-}" ]; then
    if [ -f "$REDIS_DIR/redis.pid" ]; then kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true; fi
    rm -rf "$REDIS_DIR"
  fi
}
