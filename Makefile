# Two commands: `make run` serves the app, `make test` runs every test (browser tests included).
# Both create .venv on first use and are quick once it exists (stamps record what is installed).

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8501
CHROMIUM ?= /usr/bin/chromium
NGINX ?= $(firstword $(wildcard /usr/sbin/nginx /usr/local/sbin/nginx /usr/bin/nginx))
REPLICAS ?= 2
CLUSTER_PORT ?= 8080
SESSIONS ?= 40
DURATION ?= 120
ATTACK_THINK ?= 2
# Of the load test's students, this many press Train (the Train page's defaults) in the first minute.
TRAINERS ?= 10
# glibc for a server with one thread per session (docs/scale.md): fewer arenas (-260 MB in the load
# test), and arrays over 512 KB in their own mappings, returned to the system when freed (-100 MB).
SERVER_ENV := MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=524288
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
RUN_STAMP := $(VENV)/.stamp-run
DEV_STAMP := $(VENV)/.stamp-dev

.PHONY: run cluster test lint format bench loadtest loadtest-attack loadtest-replicas corpus weights train-default train-tinyvgg chromium nginx clean

# compileall: where Python writes no bytecode cache by itself (PYTHONDONTWRITEBYTECODE, as on the
# project's machines) every start would compile the app's modules before Home's first paint (30 ms).
run: $(RUN_STAMP)
	$(PY) -m compileall -q app convcore
	$(SERVER_ENV) $(PY) -m streamlit run app/main.py --server.port $(PORT)

# Several replicas behind nginx on one machine (a school server with more cores): docs/scale.md.
cluster: $(RUN_STAMP) nginx
	$(PY) deploy/cluster.py --replicas $(REPLICAS) --port $(CLUSTER_PORT)

test: $(DEV_STAMP) chromium nginx
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(DEV_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(RUN_STAMP)
	$(PY) bench/bench_conv.py
	$(PY) bench/bench_alexnet.py
	$(PY) bench/bench_training.py
	$(PY) bench/bench_batched_training.py
	$(PY) bench/bench_decode.py
	$(PY) bench/bench_browser.py
	$(PY) bench/bench_coldstart.py
	$(PY) bench/bench_first_use.py
	$(PY) bench/bench_network.py
	$(PY) bench/bench_trust.py

# A class at once: SESSIONS students for DURATION seconds against one server (TRAINERS of them also
# train a network); the table is printed
# and added to docs/load-test-runs.md (see docs/scale.md).
loadtest: $(RUN_STAMP)
	$(PY) bench/loadtest.py --sessions $(SESSIONS) --duration $(DURATION) --trainers $(TRAINERS) \
		--report docs/load-test-runs.md --label "One server, $(SESSIONS) sessions, $(TRAINERS) of them train"

# The same class while two more sessions send the worst inputs (issue 12): the others must not notice.
# ATTACK_THINK=0: the attackers send as fast as the server answers (a script, not a student).
loadtest-attack: $(RUN_STAMP)
	$(PY) bench/loadtest.py --sessions $(SESSIONS) --duration $(DURATION) --attackers 2 \
		--attack-think $(ATTACK_THINK) --report docs/load-test-runs.md \
		--label "One server, $(SESSIONS) sessions and 2 attackers (ATTACK_THINK=$(ATTACK_THINK))"

loadtest-replicas: $(RUN_STAMP) nginx
	$(PY) bench/loadtest.py --sessions $(SESSIONS) --duration $(DURATION) --replicas $(REPLICAS) \
		--report docs/load-test-runs.md --label "$(REPLICAS) replicas behind nginx, $(SESSIONS) sessions"

# The small digit CNN that ships in assets/ (deterministic; prints its held-out accuracy).
train-default: $(RUN_STAMP)
	$(PY) -m convcore.nets.lenet

# Tiny VGG (CNN Explainer's network) on generated shapes, in assets/ (deterministic; about a minute).
train-tinyvgg: $(RUN_STAMP)
	$(PY) -m convcore.nets.tinyvgg

# AlexNet's pretrained ImageNet weights (233 MB) into the PyTorch cache, for an offline classroom.
weights: $(RUN_STAMP)
	$(PY) -m convcore.nets.weights

corpus: $(RUN_STAMP)
	$(PY) tests/corpus/make_corpus.py

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt pyproject.toml | $(PY)
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	@touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	@touch $@

# Browser tests drive Debian's Chromium through Playwright (Playwright's own browser download
# does not work offline). Installed here when missing and we may use apt-get.
chromium:
	@[ -x "$(CHROMIUM)" ] || $(call apt_install,chromium,\
		Browser tests need Chromium at $(CHROMIUM). Install it or run: make test CHROMIUM=/path/to/chromium)

# The scale-out tests put two replicas behind Debian's nginx (run as an ordinary process).
nginx:
	@[ -n "$(NGINX)" ] || $(call apt_install,nginx,\
		The scale-out tests need nginx. Install it: apt-get install nginx or brew install nginx)

# $(call apt_install,PACKAGE,MESSAGE): install a Debian package with apt-get (as root, or with
# sudo), or print MESSAGE and fail where there is no apt-get.
define apt_install
	{ if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "$(strip $(2))"; exit 1; fi; \
	echo "Installing Debian's $(1)..."; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; }
endef

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis tests/artifacts
