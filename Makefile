# Developer entry points for the Statuspage Ocean integration.
# `make help` lists the targets.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

VENV := .venv
TOOLS_VENV := .venv-tools
POETRY_VERSION := 2.5.1
POETRY_PLUGIN_EXPORT_VERSION := 1.10.1

# The project's dependencies are installed once per change of pyproject.toml or
# poetry.lock; every target that needs them depends on this stamp.
INSTALLED := $(VENV)/.installed
LOCKED_REQUIREMENTS := $(VENV)/requirements.txt
# Naming the stamp after the pins rebuilds the tools venv when they change.
TOOLS_INSTALLED := $(TOOLS_VENV)/.installed-poetry-$(POETRY_VERSION)-export-$(POETRY_PLUGIN_EXPORT_VERSION)
POETRY := $(TOOLS_VENV)/bin/poetry

# Poetry runs unattended here (CI has no stdin); never let it prompt or unlock a
# keyring. It only reads and exports the lock, so it must not create a virtualenv.
export POETRY_NO_INTERACTION := 1
export POETRY_KEYRING_ENABLED := false
export POETRY_VIRTUALENVS_CREATE := false
export POETRY_VIRTUALENVS_USE_POETRY_PYTHON := true
export PYTHON312

# Size knobs, vendors (VENDORS=statuspage,onlineornot), INCREMENTAL=1 (then a change and an
# incremental sync) and ACTIONS=1 (then acting from Port) for `make demo`, forwarded only when
# set (on the command line or in the environment).
DEMO_ARGS := $(strip \
	$(if $(PAGES),--pages $(PAGES)) \
	$(if $(GROUPS),--groups $(GROUPS)) \
	$(if $(COMPONENTS),--components $(COMPONENTS)) \
	$(if $(INCIDENTS),--incidents $(INCIDENTS)) \
	$(if $(UPDATES),--updates $(UPDATES)) \
	$(if $(VENDORS),--vendors $(VENDORS)) \
	$(if $(INCREMENTAL),--incremental) \
	$(if $(ACTIONS),--actions))

.PHONY: help install test lint format run demo bench lock changelog clean

help:
	@echo "make install  create $(VENV) with the locked dependencies (main + dev)"
	@echo "make test     run pytest (extra arguments: PYTEST_ARGS='-k name')"
	@echo "make lint     ruff, black --check, mypy --strict, poetry check --lock"
	@echo "make format   apply ruff fixes and black"
	@echo "make run      ocean sail with your environment's OCEAN__* settings (SAIL_ARGS)"
	@echo "make demo     run the sandbox demo (PAGES GROUPS COMPONENTS INCIDENTS UPDATES VENDORS INCREMENTAL=1 ACTIONS=1)"
	@echo "make bench    time full and incremental syncs against the sandbox (BASELINE=main, BENCH_ARGS='--size 2x100')"
	@echo "make lock     resolve what pyproject.toml changed into poetry.lock (UPGRADE=1: every package)"
	@echo "make changelog move the fragments in changelog/ into CHANGELOG.md, under pyproject.toml's version"
	@echo "make clean    remove the virtualenvs and caches"

install: $(INSTALLED)

TOOLS_CONSTRAINTS := scripts/tools-constraints.txt

$(TOOLS_INSTALLED): $(TOOLS_CONSTRAINTS)
	rm -rf $(TOOLS_VENV)
	python="$$(scripts/find-python312.sh)"
	"$$python" -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --constraint $(TOOLS_CONSTRAINTS) \
		"poetry==$(POETRY_VERSION)" "poetry-plugin-export==$(POETRY_PLUGIN_EXPORT_VERSION)"
	touch $@

# The venv is rebuilt from scratch only when the exported requirements differ
# from what it was built with, so editing tool settings in pyproject.toml
# doesn't trigger a reinstall, while a dependency removed from the lock does
# not linger in the venv.
$(INSTALLED): pyproject.toml poetry.lock | $(TOOLS_INSTALLED)
	$(POETRY) check --lock
	requirements="$$(mktemp)"
	trap 'rm -f "$$requirements"' EXIT
	$(POETRY) export --with dev --format requirements.txt --output "$$requirements"
	if [[ -x $(VENV)/bin/python ]] && cmp -s "$$requirements" $(LOCKED_REQUIREMENTS); then
		echo "$(VENV) already matches poetry.lock"
	else
		rm -rf $(VENV)
		python="$$(scripts/find-python312.sh)"
		"$$python" -m venv $(VENV)
		# Every package is pinned and hashed in the export, so pip installs exactly
		# those files and resolves nothing: neither the venv's pip nor the index's
		# newest releases can change what is installed. `pip check` then proves the
		# lock is complete and consistent.
		$(VENV)/bin/pip install --quiet --no-deps --require-hashes --requirement "$$requirements"
		$(VENV)/bin/pip check
		cp "$$requirements" $(LOCKED_REQUIREMENTS)
	fi
	touch $@

test: $(INSTALLED)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/black --check .
	$(VENV)/bin/mypy
	$(POETRY) check --lock

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/black .

# `ocean sail` (through sail.py, which exits with the sync's result) reads .port/ and the
# integration module from the current directory. Extra options: SAIL_ARGS='--once'.
run: $(INSTALLED)
	cd "$(CURDIR)"
	exec $(VENV)/bin/python sail.py $(SAIL_ARGS)

demo: $(INSTALLED)
	$(VENV)/bin/python -m sandbox.demo $(DEMO_ARGS)

# Full and incremental syncs at two sizes, at the 60/60 s limit and lifted (under 10 minutes);
# BASELINE=<git revision> runs the same cases on that revision too, side by side (twice as long).
bench: $(INSTALLED)
	$(VENV)/bin/python -m sandbox.bench $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_ARGS)

lock: $(TOOLS_INSTALLED)
	$(TOOLS_VENV)/bin/python scripts/lock.py $(if $(UPGRADE),--upgrade)

# Run after raising the version in pyproject.toml and .port/spec.yaml (docs/development.md#releasing).
changelog: $(INSTALLED)
	version="$$($(VENV)/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
	$(VENV)/bin/towncrier build --yes --version "$$version"

clean:
	rm -rf $(VENV) $(TOOLS_VENV) .mypy_cache .ruff_cache .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
