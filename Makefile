# BotDeck: `make run` opens the app on its demo tenant; `make test` runs every test;
# `make dist` builds the release packages into target/dist/ and `make test-dist` smoke-tests them.
# Both set up what they need first (Debian packages when root, npm packages, tools).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

ROOT := $(CURDIR)
TOOLS := $(ROOT)/target/tools
TAURI_DRIVER := $(TOOLS)/bin/tauri-driver
TAURI_DRIVER_VERSION := 2.0.6
# `cargo test` rebuilds target/debug/botdeck-desktop without `custom-protocol` (integration tests
# link the bin), so the UI-embedding build is copied to its own name right after it is built.
DESKTOP_BIN := $(ROOT)/target/botdeck-desktop-embedded
CARGO ?= cargo
# nextest is on the development machines; plain cargo test works everywhere.
NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)
# A throwaway session bus + unlocked gnome-keyring: the real Secret Service backend, headless.
WITH_KEYRING := $(ROOT)/scripts/with-keyring.sh

.PHONY: import-circles run test setup setup-test ui-deps ui-build build desktop cli tools core-isolation \
        lint fmt-check clippy test-rust test-ui test-e2e bindings bench clean-e2e dist test-dist

## --- set-up -------------------------------------------------------------------------

setup:
	@scripts/setup-system.sh build

setup-test:
	@scripts/setup-system.sh test

# `npm install`, not `npm ci`: the npm shipped here (11.19) writes lockfiles without other
# platforms' optional packages (rollup's native builds) and then refuses them in `npm ci`.
# `npm install` still installs exactly the locked versions.
NPM_INSTALL := npm install --no-audit --no-fund --prefer-offline

ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	cd ui && $(NPM_INSTALL)
	@touch $@

tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && $(NPM_INSTALL)
	@touch $@

ui-deps: ui/node_modules/.package-lock.json

ui-build: ui-deps
	cd ui && npm run build

# Tauri's CLI for its bundler: the npm package ships the prebuilt binary, so no cargo install.
scripts/dist/node_modules/.package-lock.json: scripts/dist/package.json scripts/dist/package-lock.json
	cd scripts/dist && $(NPM_INSTALL)
	@touch $@

$(TAURI_DRIVER):
	$(CARGO) install tauri-driver --locked --version $(TAURI_DRIVER_VERSION) --root $(TOOLS)

tools: $(TAURI_DRIVER)

## --- build and run ----------------------------------------------------------------

# `custom-protocol` embeds ui/dist into the binary instead of loading the dev server.
desktop: setup ui-build
	$(CARGO) build -p botdeck --features custom-protocol
	cp target/debug/botdeck-desktop $(DESKTOP_BIN)

cli:
	$(CARGO) build -p botdeck-cli

build: desktop cli

run: desktop
	$(DESKTOP_BIN) --demo

## --- tests ------------------------------------------------------------------------

test: setup-test ui-deps lint core-isolation test-rust test-ui test-e2e
	@echo "make test: every suite passed"

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint: fmt-check clippy import-circles

# Files of one crate never import each other in a circle (docs/ARCHITECTURE.md's floors).
import-circles:
	python3 scripts/import-circles.py src-tauri/core/src src-tauri/api/src src-tauri/graph/src src-tauri/cli/src src-tauri/app src-tauri/tenant-sim/src

# botdeck-graph, botdeck-core and botdeck-api must build and test without a webview: no tauri, wry, tao,
# webkit or gtk crate.
core-isolation:
	@for crate in botdeck-graph botdeck-core botdeck-api; do \
		if $(CARGO) tree -p $$crate --prefix none | grep -E '^(tauri|wry|tao|webkit2gtk|gtk|gdk)[- ]'; then \
			echo "$$crate depends on a webview crate (above)"; exit 1; \
		else echo "$$crate: no tauri/webkit/gtk in its dependency tree"; fi; \
	done

# Ignored tests are the ones that need the real keyring; they run here, inside one.
test-rust:
ifeq ($(NEXTEST),yes)
	$(WITH_KEYRING) $(CARGO) nextest run --workspace --run-ignored all --no-fail-fast
else
	$(WITH_KEYRING) $(CARGO) test --workspace --no-fail-fast -- --include-ignored
endif

test-ui: ui-deps
	cd ui && npm run typecheck && npm test

test-e2e: setup-test desktop tools tests/e2e/node_modules/.package-lock.json
	BOTDECK_E2E_APP=$(DESKTOP_BIN) tests/e2e/run.sh

## --- release packages -------------------------------------------------------------

# .deb + .rpm (desktop app and CLI), the CLI alone as .tar.gz, SHA256SUMS: target/dist/.
dist: setup ui-deps scripts/dist/node_modules/.package-lock.json
	scripts/dist/build.sh

# Extracts the built .deb into a temporary root (no installation) and runs what it installs: the
# CLI, and the desktop app under Xvfb through WebDriver. Builds the packages first if needed.
test-dist: setup-test dist cli tools tests/e2e/node_modules/.package-lock.json
	scripts/dist/smoke.sh

bindings:
	BOTDECK_UPDATE_BINDINGS=1 $(CARGO) test -p botdeck-api --test bindings
	BOTDECK_UPDATE_BINDINGS=1 $(CARGO) test -p botdeck --test command_list

bench:
	$(CARGO) bench -p botdeck-core

clean-e2e:
	rm -rf target/e2e-artifacts
