# Onboard: `make run` serves the API, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export ONBOARD_DATA_DIR ?= $(CURDIR)/var

# The service's own strings (problem titles): locales/<lang>/LC_MESSAGES/service.po, compiled
# to .mo by the build (the .mo files are not committed). `make locales` after changing them.
LANGUAGES := ru en uz tg ky kk
CATALOGUES := $(foreach l,$(LANGUAGES),locales/$(l)/LC_MESSAGES/service.mo)

.PHONY: run test lint format bench bench-scale install install-dev clean locales catalogues

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements/runtime.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pybabel compile --domain service --directory locales --statistics
	touch $@

$(VENV)/.dev: requirements/dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Compiled catalogues: rebuilt whenever their .po changes.
locales/%/LC_MESSAGES/service.mo: locales/%/LC_MESSAGES/service.po | $(VENV)/.runtime
	$(BIN)/pybabel compile --domain service --input-file $< --output-file $@ --locale $*

catalogues: $(CATALOGUES)

# After changing marked strings: template from the code, catalogues updated, compiled.
locales: $(VENV)/.runtime
	$(BIN)/pybabel extract --mapping-file babel.cfg --output-file locales/service.pot \
	  --add-location file --sort-output --no-wrap --add-comments TRANSLATORS: \
	  --project Onboard --copyright-holder "Onboard maintainers" .
	$(BIN)/pybabel update --domain service --input-file locales/service.pot \
	  --output-dir locales --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile --domain service --directory locales --statistics

# The API, the webhook worker, and the bot when ONBOARD_TELEGRAM_BOT_TOKEN is set; Ctrl+C
# stops them all. Migrations run once first so the processes do not race to apply them.
run: $(VENV)/.runtime catalogues
	$(BIN)/onboard db upgrade
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/onboard worker & \
	if [ -n "$$ONBOARD_TELEGRAM_BOT_TOKEN" ]; then \
	  ONBOARD_API_URL="$${ONBOARD_API_URL:-http://$(HOST):$(PORT)}" $(BIN)/onboard bot & \
	else echo "Telegram bot not started: set ONBOARD_TELEGRAM_BOT_TOKEN to run it too (README)"; fi; \
	$(BIN)/onboard serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev catalogues
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check service bot tests bench
	$(BIN)/ruff format --check service bot tests bench
	$(BIN)/mypy service bot

format: $(VENV)/.dev
	$(BIN)/ruff format service bot tests bench
	$(BIN)/ruff check --fix service bot tests bench

bench: $(VENV)/.dev
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench

# ---- The officer page's third-party browser code (the ZXing WebAssembly QR reader) ------
# web/officer/package.json + package-lock.json pin it with integrity hashes; `npm ci`
# installs exactly that (checking each hash) and web/officer/vendor.py copies the built
# files, licence and version into service/static/officer/vendor/ with a sha256 record that
# tests/e2e/test_officer_vendor.py checks. The service never fetches code from elsewhere.
.PHONY: vendor-officer officer-icons

vendor-officer: $(VENV)/.runtime
	cd web/officer && npm ci --ignore-scripts --no-audit --no-fund
	$(BIN)/python web/officer/vendor.py

officer-icons: $(VENV)/.runtime
	$(BIN)/python web/officer/icons.py service/static/officer/icons
# BENCH_SCALE_ROWS=200000 make bench-scale for a smaller database (default 1,000,000).
bench-scale: $(VENV)/.dev
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	rm -f $(CATALOGUES)

# ---- The Telegram bot --------------------------------------------------------------------
# Its own catalogues (domain "bot"): locales/<lang>/LC_MESSAGES/bot.po, compiled together
# with the service's by `make catalogues`. `make bot-locales` after changing marked strings
# in bot/ (tests/bot/test_catalogues.py fails until the catalogues follow the code).
BOT_CATALOGUES := $(foreach l,$(LANGUAGES),locales/$(l)/LC_MESSAGES/bot.mo)

.PHONY: bot bot-locales clean-bot

locales/%/LC_MESSAGES/bot.mo: locales/%/LC_MESSAGES/bot.po | $(VENV)/.runtime
	$(BIN)/pybabel compile --domain bot --input-file $< --output-file $@ --locale $*

catalogues: $(BOT_CATALOGUES)

bot-locales: $(VENV)/.runtime
	$(BIN)/pybabel extract --mapping-file bot/babel.cfg --output-file locales/bot.pot \
	  --add-location file --sort-output --no-wrap --add-comments TRANSLATORS: \
	  --project Onboard --copyright-holder "Onboard maintainers" bot
	$(BIN)/pybabel update --domain bot --input-file locales/bot.pot --output-dir locales \
	  --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile --domain bot --directory locales --statistics

# The bot alone: long polling, or webhook mode when ONBOARD_BOT_WEBHOOK_URL is set. Without
# ONBOARD_BOT_API_KEY it creates one in the local database, kept in <data dir>/bot_api_key.
bot: $(VENV)/.runtime catalogues
	$(BIN)/onboard bot

clean: clean-bot
clean-bot:
	rm -f $(BOT_CATALOGUES)
