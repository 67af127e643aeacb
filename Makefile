# Every target is self-sufficient: it creates .venv and installs the locked environment when needed.
SHELL := /bin/bash
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
export DAGSTER_HOME := $(CURDIR)/dagster_home
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# torch==2.13.0 (CPU build) comes from the local wheel folder where this machine has one.
PIP_FIND := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

.PHONY: install demo test dev perf lock clean

install: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q $(PIP_FIND) --no-deps -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(VENV_STAMP)

demo: $(VENV_STAMP)
	$(PY) -m pipelines.demo

test: $(VENV_STAMP)
	$(PY) -m pytest -q

dev: $(VENV_STAMP)
	$(PY) -m pipelines.pools
	.venv/bin/dagster dev -h 127.0.0.1 -p 3000 -m pipelines.definitions

perf: $(VENV_STAMP)
	$(PY) -m perf

# Regenerate the lock after changing pyproject.toml (pip freeze --all keeps setuptools/pip in it).
lock:
	$(PY) -m pip freeze --all --exclude-editable | grep -v '^amazon-reviews-blair' > requirements.lock

clean:
	rm -rf .venv data dagster_home/storage dagster_home/artifacts
