# DCC Portal: `make run` serves the portal, `make test` runs every test. Both set up a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
PORT ?= 8000
SHARING_PEER_PORT ?= 8765
SHARING_PEER_TOKEN ?= demo-sharing-token
HL7_PORT ?= 2575
MSS_PORT ?= 2587
MSS_IMAP_PORT ?= 2143
MSS_DIR := var/mssante
DCC_HL7_SENDERS ?= dcc_portal/demo/hl7/senders.json
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
BUN := $(TOOLS)/node_modules/.bin/bun
BUN_VERSION := 1.4.5
OIDC_PROVIDER := $(TOOLS)/oidc/node_modules/oidc-provider/package.json
OIDC_PROVIDER_VERSION := 9.13.3
PSC_PORT ?= 8766
CHROMIUM := /usr/bin/chromium

export PORT
export DCC_HL7_SENDERS
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)

.PHONY: run test setup db chromium servers unit browser bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

$(BUN):
	mkdir -p $(TOOLS)
	npm install --silent --no-save --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION)

# The local Pro Santé Connect (an OpenID Connect provider on Node.js), in its own folder beside bun.
$(OIDC_PROVIDER):
	mkdir -p $(TOOLS)/oidc
	npm install --silent --no-save --no-audit --no-fund --prefix $(TOOLS)/oidc oidc-provider@$(OIDC_PROVIDER_VERSION)

setup: $(VENV)/.installed $(BUN) $(OIDC_PROVIDER)

db: setup
	$(PY) -m dcc_portal migrate
	$(PY) -m dcc_portal load-demo

# The HL7 v2 listener runs beside the portal; the demo's sample messages are sent to it once it is up (again at each
# run: a replay is answered with the same ACK and stored once).
# Without a DMP endpoint configured, the demo starts the test document recipient and sends to it; without an MSSanté
# operator configured, it writes test certificates and starts the local operator (documents addressed by MSSanté).
# Without a Pro Santé Connect issuer configured, it starts the local one (a fresh client secret at each run).
run: db
	@$(PY) -m dcc_portal hl7-listener --port $(HL7_PORT) & pids=$$!; \
	trap 'kill $$pids 2>/dev/null' EXIT; \
	$(PY) -m dcc_portal send-hl7 --port $(HL7_PORT) --wait 30 dcc_portal/demo/hl7/*.hl7 & \
	if [ -z "$$DCC_SHARING_URL" ]; then \
		$(PY) -m dcc_portal sharing-peer --port $(SHARING_PEER_PORT) --token $(SHARING_PEER_TOKEN) & pids="$$pids $$!"; \
		export DCC_SHARING_URL=http://127.0.0.1:$(SHARING_PEER_PORT)/fhir DCC_SHARING_TOKEN=$(SHARING_PEER_TOKEN); \
		$(PY) -m dcc_portal sharing-demo --wait 300 & pids="$$pids $$!"; \
	fi; \
	if [ -z "$$DCC_MSS_HOST" ]; then \
		$(PY) -m dcc_portal mssante-pki --dir $(MSS_DIR)/pki && \
		{ $(PY) -m dcc_portal mssante-operator --port $(MSS_PORT) --imap-port $(MSS_IMAP_PORT) --pki $(MSS_DIR)/pki \
			--store $(MSS_DIR)/received & pids="$$pids $$!"; }; \
		export DCC_MSS_HOST=127.0.0.1 DCC_MSS_PORT=$(MSS_PORT) DCC_MSS_IMAP_PORT=$(MSS_IMAP_PORT) DCC_MSS_INBOX_POLL=15 \
			DCC_MSS_CA=$(MSS_DIR)/pki/ca.pem DCC_MSS_CERT=$(MSS_DIR)/pki/client.pem DCC_MSS_KEY=$(MSS_DIR)/pki/client.key; \
	fi; \
	if [ -z "$$DCC_PSC_ISSUER" ]; then \
		export DCC_PSC_CLIENT_SECRET=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))'); \
		$(PY) -m dcc_portal psc-peer --port $(PSC_PORT) & pids="$$pids $$!"; \
		export DCC_PSC_ISSUER=http://127.0.0.1:$(PSC_PORT)/auth/realms/esante-wallet DCC_PSC_CLIENT_ID=dcc-portal-demo; \
	fi; \
	$(VENV)/bin/reflex run --env prod --single-port --backend-port $(PORT) --frontend-port $(PORT)

# Debian packages the tests need, installed only when missing (root or sudo).
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

chromium:
	@test -x $(CHROMIUM) || { $(APT_INSTALL) chromium; }

servers:
	@command -v redis-server >/dev/null || { $(APT_INSTALL) redis-server; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(APT_INSTALL) postgresql; }
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null || { $(APT_INSTALL) nginx; }

unit: setup
	$(PY) -m pytest -m "not browser" -q

browser: setup chromium
	$(PY) -m pytest -m browser -q

# Unit and browser tests run in separate processes (Playwright's sync API keeps an event loop running).
# TEST_POSTGRES=1 (set by CI) runs both again on PostgreSQL, the browser tests with Redis and several workers.
test: setup chromium
	$(PY) -m pytest -q -m "not browser"
	$(PY) -m pytest -q -m browser
	@if [ "$(TEST_POSTGRES)" = "1" ]; then \
		$(MAKE) --no-print-directory servers && \
		TEST_DATABASE=postgres $(PY) -m pytest -q -m "not browser" && \
		TEST_DATABASE=postgres $(PY) -m pytest -q -m browser; \
	fi

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(TOOLS) .web var test-artifacts
