# scc: the README's commands, and what CI runs (.ci/run calls `make test`).
GO ?= go
FUZZTIME ?= 10s

.PHONY: build test unit fuzz bench vet generate clean

# scc and scc-k8s (which writes scc compile's k8s format; scc runs it from
# its own directory or PATH). They use no C: a static binary runs in images
# without libc (scc run in a minimal container) and starts 1.5-3 ms sooner
# than a cgo build, which links libc only because net and os/user offer it.
build:
	CGO_ENABLED=0 $(GO) build -o . ./cmd/...

# The whole test suite: vet, every test (kernel and real-program tests need
# root and the packages .ci/run installs; without them they skip and say
# why), then a short run of every fuzz target.
test: vet unit fuzz

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }

unit:
	$(GO) test -count=1 ./...

# Each fuzz target for FUZZTIME (go test runs one target at a time). A run
# can fail without a finding (a worker lost under load): then the corpus,
# which holds any crasher the run saved, is run again and decides.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg >/tmp/scc-fuzz.log 2>&1 || { \
	      tail -20 /tmp/scc-fuzz.log; \
	      echo "fuzz run failed; re-running the saved corpus (a crasher found is in testdata/fuzz and fails here)"; \
	      $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=1x $$pkg || exit 1; }; \
	  done; \
	done

# Benchmarks, and the comparison with libseccomp (needs cgo, libseccomp-dev
# and pkg-config): writes docs/bench-table.md (see docs/performance.md).
bench:
	SCC_BENCH_TABLE=$(CURDIR)/docs/bench-table.md $(GO) test -tags libseccomp -count=1 -run='^TestWriteTable$$' -v ./bench
	$(GO) test -tags libseccomp -run='^$$' -bench=. -benchmem ./...

generate:
	$(GO) generate ./...

clean:
	rm -f scc scc-k8s
