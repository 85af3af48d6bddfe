# make test installs every tool and service the tests need (pinned, into
# git-ignored folders), starts them on 127.0.0.1 and runs everything.
# make bench measures lambdaobs beside its peers.

SHELL := /bin/bash
# The Go release everything here is built and tested with: the machine's own
# Go (1.26.8) has known standard-library vulnerabilities fixed in later
# releases, so the go command fetches this one from the module proxy. go.mod
# still says go 1.26: the library builds with any Go from 1.26 on.
GO_RELEASE := go1.27.3
export GOTOOLCHAIN := $(GO_RELEASE)
ROOT := $(CURDIR)
TOOLS := $(ROOT)/.tools
GOBIN := $(TOOLS)/bin
export PATH := $(GOBIN):$(PATH)
# The repository's Go modules: the library (with the dashboard generator),
# the local view, the CLI, the examples and the benchmarks beside the peers;
# tools/ pins the tools. Each is built and tested under its own go.mod, as
# its users build it: go.work (for go run from the root) is not used here.
MODULES := . dashboard/view cmd examples bench
export GOWORK := off
FUZZTIME ?= 10s
BENCHCOUNT ?= 6

TOOL_BINS := $(GOBIN)/staticcheck $(GOBIN)/aws-lambda-rie $(GOBIN)/benchstat $(GOBIN)/govulncheck

.PHONY: test tools services check unit integration fuzz vulncheck bench soak clean

test: tools services check unit fuzz vulncheck
	@echo "make test: all checks passed"

# Tools are pinned in tools/go.mod; go install is a no-op when they are built.
tools: $(TOOL_BINS)

# The tool directives of tools/go.mod pin them; go install tool builds them
# all, and does nothing when they are built. They are rebuilt when the Go
# release changes: govulncheck and staticcheck read the standard library of
# the release they were built with.
$(TOOL_BINS) &: tools/go.mod tools/go.sum $(TOOLS)/go-release-$(GO_RELEASE)
	cd tools && GOBIN=$(GOBIN) go install tool
	@touch $(TOOL_BINS)

$(TOOLS)/go-release-$(GO_RELEASE):
	@mkdir -p $(TOOLS) && rm -f $(TOOLS)/go-release-* && go version > $@

# Services the integration tests run against, each installed by its own
# idempotent script under scripts/services/ (pinned versions, into .tools/).
services:
	@for s in scripts/services/*.sh; do [ -e "$$s" ] || continue; echo "== $$s"; TOOLS=$(TOOLS) "$$s" || exit 1; done

check:
	@out=$$(find . -name '*.go' -not -path './.tools/*' -not -path '*/node_modules/*' | xargs gofmt -l); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@for m in $(MODULES) tools; do echo "== $$m: go mod tidy -diff"; (cd $$m && go mod tidy -diff) || exit 1; done
	@for m in $(MODULES); do echo "== $$m: go vet, staticcheck"; (cd $$m && go vet ./... && staticcheck ./...) || exit 1; done

# Unit and integration tests. LAMBDAOBS_INTEGRATION=1 turns a missing
# component into a failure instead of a skip.
unit:
	@for m in $(filter-out bench,$(MODULES)); do echo "== $$m: go test -race"; (cd $$m && LAMBDAOBS_INTEGRATION=1 LAMBDAOBS_TOOLS=$(TOOLS) go test -race -count=1 ./...) || exit 1; done
	# Allocation counts are pinned without the race detector.
	go test -count=1 -run 'Allocs' ./...
	cd bench && LAMBDAOBS_INTEGRATION=1 LAMBDAOBS_TOOLS=$(TOOLS) go test -count=1 ./...

# Known vulnerabilities reachable from the library, from a database built
# offline from the pinned golang.org/x/vulndb module.
vulncheck: tools
	TOOLS=$(TOOLS) ./scripts/vulncheck.sh

# Every fuzz target, for a fixed budget each.
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

# The long run: 10 000 invocations under the emulator, and every fuzz
# target for a minute.
soak: tools services
	LAMBDAOBS_INTEGRATION=1 LAMBDAOBS_SOAK_N=10000 LAMBDAOBS_TOOLS=$(TOOLS) go test -count=1 -timeout 60m -run TestSoak -v ./internal/soak/ | grep -E 'soak:|^(ok|FAIL|---)'
	FUZZTIME=60s ./scripts/fuzz.sh

bench: tools
	./scripts/bench.sh

clean:
	rm -rf $(TOOLS)
