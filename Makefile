# flagactor: the two commands a newcomer needs are `make bench` and `make test`.

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 30s
SOAK        ?= 60s
COUNT       ?= 10
ARGS        ?=

# The library, and actorbench in a module of its own so that a driver importing
# the library never inherits the benchmark's dependencies.
MODULES     := . cmd/actorbench

.PHONY: all bench results test lint fuzz soak cover benchcmp

all: lint test

# The main job: actorbench, the actor against the published mutex design and
# against our own policy behind a mutex, at its default sizes. Flags go through
# ARGS, e.g. make bench ARGS='-quick -scenario churn', or, to see where a
# scenario's time goes, make bench ARGS='-scenario acquire-release -cpuprofile cpu.out'.
bench:
	cd cmd/actorbench && $(GO) run . $(ARGS)

# One full bench run written up: docs/results.md (metadata, summary, every
# target, the whole text), every chart into docs/, and README's results
# section, all from that same run. Rerun it after changing the library.
results:
	cd cmd/actorbench && $(GO) run . -plot ../../docs -markdown ../../docs/results.md -readme ../../README.md $(ARGS)

# Vet, then every test (fuzz seeds as regression tests, a short soak) under the race detector.
test:
	@set -e; for m in $(MODULES); do \
	  echo "== $$m"; \
	  (cd $$m && $(GO) vet ./... && $(GO) test -race -count=1 -timeout=5m ./...); \
	done

# gofmt, go vet and a pinned staticcheck, all clean.
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	@set -e; for m in $(MODULES); do \
	  (cd $$m && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...); \
	done

# Every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

# The chaos soak against a fault-injecting flag server, for SOAK.
soak:
	$(GO) test -race -count=1 -timeout=30m -run '^TestSoak$$' -v ./telemetry/ -soak=$(SOAK)

# Coverage per package.
cover:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -count=1 -cover ./...); done

# Go benchmarks of the warm query and the acquire/release pair, COUNT runs, through benchstat.
benchcmp:
	$(GO) test -run='^$$' -bench=. -benchmem -count=$(COUNT) ./telemetry/flagactor/ | tee /tmp/flagactor-bench.txt
	$(GO) run $(BENCHSTAT) /tmp/flagactor-bench.txt
