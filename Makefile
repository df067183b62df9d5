# The two commands of the quick start: `make run` and `make test`. Both install what is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)

.PHONY: install run test check clean-var

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	@echo "Installing requirements into $(VENV) …"
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	@$(BIN)/python -m jonquils.embedded.run

test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	@$(BIN)/python -Wa manage.py check
	@$(BIN)/python manage.py makemigrations --check --dry-run
