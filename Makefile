# Every target is self-sufficient: it creates .venv and installs the locked environment when needed.
SHELL := /bin/bash
PY := .venv/bin/python
export DAGSTER_HOME := $(CURDIR)/dagster_home
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# GPU=1: a CUDA worker (requirements-gpu.lock). WHEELS: the local wheel folder, first where it
# exists (default: tools/install.py's WHEELS); without it torch comes from PyTorch's CPU index
# (tools/install.py has the rules).
GPU ?=
WHEELS ?=
LOCK := $(if $(GPU),requirements-gpu.lock,requirements.lock)
VENV_STAMP := .venv/.installed$(if $(GPU),-gpu,)

.PHONY: install demo test dev perf lock clean

install: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml $(LOCK) tools/install.py
	test -x $(PY) || python3 -m venv .venv
	python3 tools/install.py --python $(PY) $(if $(WHEELS),--wheels $(WHEELS),) $(if $(GPU),--gpu,)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(VENV_STAMP)

demo: $(VENV_STAMP)
	$(PY) -m pipelines.demo

test: $(VENV_STAMP)
	$(PY) -m pytest -q

# The UI and the daemon: the schedules and the automation sensor run while it is up.
dev: $(VENV_STAMP)
	$(PY) -m pipelines.pools
	.venv/bin/dagster dev -h 127.0.0.1 -p 3000 -m pipelines.definitions

perf: $(VENV_STAMP)
	$(PY) -m perf

# Regenerate the locks after changing pyproject.toml (pip freeze --all keeps setuptools/pip in it);
# the GPU lock is the same with PyPI's CUDA torch of the same version and its CUDA wheels.
lock:
	$(PY) -m pip freeze --all --exclude-editable | grep -v '^amazon-reviews-blair' > requirements.lock
	python3 tools/install.py gpu-lock --python $(PY)

# Everything but dagster_home/dagster.yaml goes, so the UI shows no trace of old runs.
clean:
	rm -rf .venv data
	find dagster_home -mindepth 1 -maxdepth 1 ! -name dagster.yaml -exec rm -rf {} +
