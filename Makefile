# softstep: `make demo` runs the main job on the bundled sample, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-test system-deps pose-model bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/softstep demo --html softstep-demo.html

system-deps:
	bash scripts/install-system-deps.sh

# the BlazePose model for video analysis (softstep[video]), built from the mediapipe 0.10.21
# wheel via pip into ~/.cache/softstep/models (or $$SOFTSTEP_MODEL_DIR); a no-op once there
pose-model: install-test
	$(BIN)/softstep models fetch

test: install-test system-deps pose-model
	bash scripts/with-test-postgres.sh $(BIN)/python -m pytest -n 2 --durations=15

bench: install
	$(BIN)/python benchmarks/bench_fit_pipeline.py
	$(BIN)/python benchmarks/bench_imu_pipeline.py

clean:
	rm -rf $(VENV) test-artifacts softstep-demo.html
