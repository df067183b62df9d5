# The two commands of the quick start: `make run` and `make test`. Both install what is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)

# Page tests drive Debian's Chromium (Playwright may not download its own browser here);
# CHROMIUM_PATH names another binary, for make and for jonquils/embedded/browser.py alike.
CHROMIUM := $(or $(CHROMIUM_PATH),/usr/bin/chromium)
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser deploy-tools messages axe run test bench check clean-var

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	@echo "Installing requirements into $(VENV) …"
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@echo "Installing Debian's Chromium for the page tests …"
	@$(SUDO) apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
		--no-install-recommends chromium >/dev/null \
		|| { echo "Could not install Chromium with apt-get (root or sudo is needed for the page tests)." >&2; exit 1; }

browser: $(CHROMIUM)

# The deploy tests (tests/jonquils/test_deploy.py) validate docker-compose.yml with Debian's
# docker-compose (no engine needed) and run Debian's nginx in front of the test server.
NGINX_BIN   := $(or $(shell command -v nginx),/usr/sbin/nginx)
COMPOSE_BIN := $(or $(shell command -v docker-compose),/usr/bin/docker-compose)
$(NGINX_BIN) $(COMPOSE_BIN):
	@echo "Installing Debian's nginx and docker-compose for the deploy tests …"
	@$(SUDO) apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
		--no-install-recommends nginx docker-compose >/dev/null \
		|| { echo "Could not install nginx and docker-compose with apt-get (root or sudo is needed)." >&2; exit 1; }

deploy-tools: $(NGINX_BIN) $(COMPOSE_BIN)

# The pages' translations (locale/*/LC_MESSAGES/django.po → .mo, not committed): gettext's msgfmt
# comes from Debian's package, installed when missing, like Chromium.
MSGFMT := $(shell command -v msgfmt || echo /usr/bin/msgfmt)
$(MSGFMT):
	@echo "Installing Debian's gettext for the translations …"
	@$(SUDO) apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
		--no-install-recommends gettext >/dev/null \
		|| { echo "Could not install gettext with apt-get (root or sudo is needed)." >&2; exit 1; }

messages: install $(MSGFMT)
	@$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var -v 0

# axe-core for the page tests' accessibility checks, packed from npm into var/npm (gitignored);
# Playwright injects it into each page, so no page ever fetches it.
axe: install
	@$(BIN)/python -c "from tests.pages import axe_install; axe_install()"

run: install messages
	@$(BIN)/python -m jonquils.embedded.run

# Issue 17's benchmark suite (bench/README.md): seeds var/bench/t<N>, runs make run's stack on it,
# writes bench/RESULTS.md. BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 10000 --duration 5".
bench: install messages
	@$(BIN)/python -m bench $(BENCH_ARGS)

test: install browser deploy-tools messages axe
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	@$(BIN)/python -Wa manage.py check
	@$(BIN)/python manage.py makemigrations --check --dry-run
