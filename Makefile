# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.hearth-installed

export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: run test install bench clean screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# torch first: the CPU wheel. Without it sentence-transformers pulls a multi-GB CUDA build.
# A user with a GPU installs their own torch build instead: make run TORCH_SPEC="torch==X.Y"
TORCH_SPEC ?= torch==2.13.0
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install "$(TORCH_SPEC)"
	$(PIP) install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The desktop app where there is a screen; the terminal chat on a headless machine.
run: install
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(VENV)/bin/hearth-desktop; \
	else \
		echo "No display found: starting the terminal chat (hearth chat)."; \
		$(VENV)/bin/hearth chat; \
	fi

# GUI tests run offscreen; no screen needed.
test: install
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q -p no:cacheprovider

bench: install
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info

# Installable app: a PyInstaller one-folder build in dist/hearth (see packaging/README.md).
.PHONY: package package-smoke
package: install
	$(PIP) install -e ".[package]"
	packaging/build.sh

package-smoke:
	packaging/smoke.sh dist/hearth

# Screenshots of the desktop app under a virtual X server (installs nothing by itself).
# Needs: apt-get install xvfb libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0
screenshots: install
	@command -v xvfb-run >/dev/null || { echo "xvfb-run not found: apt-get install xvfb"; exit 1; }
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" $(PY) -m desktop.screenshots docs/screenshots
