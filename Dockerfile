# syntax=docker/dockerfile:1
# A release build in one stage, a small non-root runtime in the next:
#   docker build -t <image> .
#   docker run -p 3000:3000 -e SECRET_KEY=… -e DATABASE_URL=postgres://… <image>
# (Not built by our CI: its machines run no Docker engine. Kept simple to check by reading.)

# ---- build ------------------------------------------------------------------------
FROM rust:1.99-bookworm AS build
WORKDIR /src

# Node for wasm-opt (npm's binaryen: Debian's older one breaks hydration).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*

# The toolchain pinned in rust-toolchain.toml, with the wasm target.
COPY rust-toolchain.toml ./
RUN rustup show active-toolchain || rustup toolchain install

# Tools, at the versions the project pins (see scripts/lib.sh).
COPY Cargo.lock scripts/package.json scripts/package-lock.json ./tools/
RUN cd tools \
 && SCARF_ANALYTICS=false npm ci --no-audit --no-fund \
 && CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-leptos --version 0.3.11 --locked --features no_downloads \
 && version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock) \
 && CARGO_PROFILE_RELEASE_LTO=false cargo install wasm-bindgen-cli --version "$version"
ENV PATH=/src/tools/node_modules/.bin:$PATH

COPY . .
# The API page's Swagger UI (from npm, like wasm-opt), served from the site itself.
RUN mkdir -p public/api-docs \
 && cp tools/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
       tools/node_modules/swagger-ui-dist/swagger-ui.css \
       tools/node_modules/swagger-ui-dist/LICENSE tools/node_modules/swagger-ui-dist/NOTICE \
       public/api-docs/ \
 && cargo leptos build --release --split --precompress \
 && mkdir -p /out \
 && bash -c 'source scripts/lib.sh && cp "target/release/$SERVER_BIN" /out/server' \
 && cp target/release/hash.txt /out/ \
 && cp -r target/site /out/site

# ---- run --------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
 && mkdir -p /app/data && chown app /app/data
WORKDIR /app
COPY --from=build /out/ /app/
USER app
ENV MIZAN_ENV=production \
    MIZAN_DATA_DIR=/app/data \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    LEPTOS_HASH_FILES=true \
    RUST_LOG=info
EXPOSE 3000
# createsuperuser and cache commands run the same binary: `docker run … <image> /app/server createsuperuser`.
# The deploy check names every problem of the settings and refuses to start on an error.
CMD ["/bin/sh", "-c", "/app/server check --deploy && exec /app/server"]
