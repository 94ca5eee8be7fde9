# kuultu: `make run` starts the platform (embedded default), `make test` runs every test
# on the real local stack. Only Python is needed for `make run`; the real stack also needs
# Java 17 with Maven (Kafka) and Go (FerretDB), fetched and built once into ~/.cache/kuultu.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STACK  := bash deploy/local/stack.sh
PYTEST_ARGS ?=

export KUULTU_KAFKA_BOOTSTRAP ?= 127.0.0.1:$(or $(KUULTU_KAFKA_PORT),19092)
export KUULTU_MONGO_URI ?= mongodb://127.0.0.1:$(or $(KUULTU_MONGO_PORT),27027)/

.PHONY: help install run test test-main test-unit test-integration stack-up stack-down stack-status \
        run-stack lint bench images clean

help:
	@echo "make run          start kuultu on http://127.0.0.1:8000 (all in one process, data in memory)"
	@echo "make test         install, start Kafka + FerretDB, run every test, stop them"
	@echo "make test-main    the same without the fault tests (about half the time)"
	@echo "make test-faults  only the fault tests (kill Kafka, FerretDB, consumers, the relay)"
	@echo "make test-unit    the fast tests only (no servers)"
	@echo "make stack-up     start the local real stack (Kafka KRaft + FerretDB)"
	@echo "make stack-down   stop it"
	@echo "make run-stack    run each service as its own process against the real stack"
	@echo "make lint         ruff"
	@echo "make bench        benchmarks, figures printed"
	@echo "make images       build the container images (needs Docker)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	$(BIN)/kuultu run $(ARGS)

# `make test` runs its own stack on its own ports in a fresh folder: it never touches a stack
# started by hand, and its logs stay in .stack/test/logs after the run.
TEST_STACK_DIR      ?= $(CURDIR)/.stack/test
TEST_KAFKA_PORT     ?= 29092
TEST_MONGO_PORT     ?= 27037
TEST_PLATFORM_PORT  ?= 18100
TEST_STACK_ENV := KUULTU_STACK_DIR=$(TEST_STACK_DIR) KUULTU_KAFKA_PORT=$(TEST_KAFKA_PORT) \
	KUULTU_KAFKA_CONTROLLER_PORT=$$(($(TEST_KAFKA_PORT)+1)) KUULTU_MONGO_PORT=$(TEST_MONGO_PORT) \
	KUULTU_KAFKA_BOOTSTRAP=127.0.0.1:$(TEST_KAFKA_PORT) \
	KUULTU_MONGO_URI=mongodb://127.0.0.1:$(TEST_MONGO_PORT)/ \
	KUULTU_TEST_PLATFORM_PORT=$(TEST_PLATFORM_PORT)

# `make test` is every suite: the main one, then the fault tests on a stack of their own
# (both run, whatever the first gave, so one run shows every failure).
test: install
	@$(MAKE) --no-print-directory test-main && main=0 || main=$$?; \
	$(MAKE) --no-print-directory test-faults && faults=0 || faults=$$?; \
	echo "make test: main suite exit $$main, fault tests exit $$faults"; \
	[ $$main -eq 0 ] && [ $$faults -eq 0 ]

# Everything but the fault tests.
test-main: install
	@export $(TEST_STACK_ENV); \
	$(STACK) down >/dev/null 2>&1; rm -rf $(TEST_STACK_DIR); \
	$(STACK) up && status=0 || status=$$?; \
	if [ $$status -eq 0 ]; then $(BIN)/python -m pytest --ignore=tests/faults $(PYTEST_ARGS) || status=$$?; fi; \
	$(STACK) down; exit $$status

test-unit: install
	$(BIN)/python -m pytest tests/unit tests/contract $(PYTEST_ARGS)

test-integration: install
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

stack-up:
	$(STACK) up

stack-down:
	$(STACK) down

stack-status:
	$(STACK) status

run-stack: install stack-up
	$(BIN)/python -m services.runstack

lint: install
	$(BIN)/ruff check services tests bench

bench: install
	$(BIN)/python bench/run_all.py

DOCKER   ?= docker
REGISTRY ?= kuultu
VERSION  ?= $(shell $(PYTHON) -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
PARTS    := gateway feedback tables projects evaluation notifications

images:
	@command -v $(DOCKER) >/dev/null || { echo "make images needs Docker (DOCKER=podman works too)"; exit 1; }
	@for s in $(PARTS); do \
	  $(DOCKER) build --build-arg SERVICE=$$s -t $(REGISTRY)/$$s:$(VERSION) . || exit 1; \
	done

clean:
	$(STACK) clean || true
	rm -rf $(VENV) .pytest_cache .ruff_cache

# `make test-faults`: tests/faults kill and restart Kafka, FerretDB and the services, so they
# run on a fresh stack of their own (folder and ports differ from `make test`'s).
.PHONY: test-faults
test-faults: TEST_STACK_DIR = $(CURDIR)/.stack/faults
test-faults: TEST_KAFKA_PORT = 29192
test-faults: TEST_MONGO_PORT = 27137
test-faults: TEST_PLATFORM_PORT = 18200
test-faults: install
	@export KUULTU_STACK_DIR=$(TEST_STACK_DIR) KUULTU_KAFKA_PORT=$(TEST_KAFKA_PORT) \
	KUULTU_KAFKA_CONTROLLER_PORT=$$(($(TEST_KAFKA_PORT)+1)) KUULTU_MONGO_PORT=$(TEST_MONGO_PORT) \
	KUULTU_KAFKA_BOOTSTRAP=127.0.0.1:$(TEST_KAFKA_PORT) \
	KUULTU_MONGO_URI=mongodb://127.0.0.1:$(TEST_MONGO_PORT)/ \
	KUULTU_TEST_PLATFORM_PORT=$(TEST_PLATFORM_PORT) KUULTU_FAULT_TESTS=1; \
	$(STACK) down >/dev/null 2>&1; rm -rf $(TEST_STACK_DIR); \
	$(STACK) up && status=0 || status=$$?; \
	if [ $$status -eq 0 ]; then $(BIN)/python -m pytest tests/faults $(PYTEST_ARGS) || status=$$?; fi; \
	$(STACK) down; exit $$status
