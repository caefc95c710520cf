# The README's two commands: `make demo` and `make test`. Each installs what is missing first.
SWIFT ?= swift
SYSTEM_PACKAGES := libyaml-dev libpng-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KPLAB := .build/release/kplab

.PHONY: deps build demo test test-browser test-slurm fuzz bench reference clean

# Install the Debian packages the C shims link against, only when one is missing.
deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product kplab

# Checks every example experiment, then runs the demo sweep (the demo CNN on the built-in
# synthetic faces × four initializers × three seeds, about two minutes on 2 cores) and ends
# with the comparison table and the paths of its plot and report. Runs already finished are
# skipped, so a second `make demo` only prints the comparison.
DEMO := results/demo-sweep
demo: build
	@$(KPLAB) check experiments/*.yaml experiments/reported/*.yaml | grep -E '^[^ ].*: ok$$'
	$(KPLAB) sweep experiments/sweeps/demo.yaml --jobs 2 --out $(DEMO)
	$(KPLAB) compare $(DEMO) --group-by model.init.weights,model.init.distribution \
		--plot $(DEMO)/curves.svg --html $(DEMO)/report.html
	@echo "To browse the sweep (live while a sweep trains): $(KPLAB) serve $(DEMO)"

# The end-to-end tests run the debug kplab that `swift test` builds beside them (Engine and
# Faces are compiled with -O even in debug builds, so training small nets stays quick).
test: deps
	$(SWIFT) test
	$(MAKE) test-browser

# `kplab serve` in a real browser: Debian's chromium, headless, installed when missing, driven
# by Tests/Browser/dashboard_test.py (Python's standard library only). It trains a small sweep,
# serves it, and checks the table, the charts, a run advancing live, a run's page and the
# sweep's progress; screenshots go to .build/test-output/dashboard/.
test-browser: deps
	@command -v chromium >/dev/null || { echo "Installing chromium (for the dashboard's browser test)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(SWIFT) build --product kplab
	python3 Tests/Browser/dashboard_test.py .build/debug/kplab .build/test-output/dashboard

# Sweeps on a real Slurm: starts a one-machine cluster (installing slurm-wlm and munge when
# missing; needs root or sudo), then submits a small sweep, requeues one task mid-run and warns
# another of its time limit, and checks every run against the same sweep trained locally.
test-slurm: deps
	Tests/Slurm/single-node.sh
	KPLAB_SLURM_TESTS=1 $(SWIFT) test --filter SlurmClusterTests

# Coverage-guided fuzzing (libFuzzer with AddressSanitizer) of the readers of files kplab did
# not write: experiment and sweep YAML with --set overrides, Kaggle's CSVs, weights and
# checkpoints; and of the engine's C kernels (built under AddressSanitizer too), fed shapes,
# strides and values at every kernel level against their twins (Fuzz/Sources). Each target
# runs FUZZ_SECONDS on a scratch copy of its committed corpus (Fuzz/corpus), with its
# dictionary of tokens (Fuzz/dictionaries) where it has one; a crash stops with exit status 1,
# its input in .build-fuzz/crashes/ —
# add it to the corpus once fixed, and `make test` replays it ever after.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := experiment csv weights kernels
FUZZ := .build-fuzz
fuzz: deps
	$(SWIFT) build --build-path $(FUZZ) -c release --product kplab-fuzz \
		-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library \
		-Xcc -fsanitize=fuzzer-no-link,address
	@mkdir -p $(FUZZ)/crashes
	@for t in $(FUZZ_TARGETS); do \
		rm -rf $(FUZZ)/corpus/$$t && mkdir -p $(FUZZ)/corpus/$$t && cp Fuzz/corpus/$$t/* $(FUZZ)/corpus/$$t/; \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
		dict=; [ -f Fuzz/dictionaries/$$t.dict ] && dict=-dict=Fuzz/dictionaries/$$t.dict; \
		KPLAB_FUZZ_TARGET=$$t $(FUZZ)/release/kplab-fuzz $(FUZZ)/corpus/$$t $$dict -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ)/crashes/$$t- -print_final_stats=1 \
			> $(FUZZ)/$$t.log 2>&1; status=$$?; \
		grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' $(FUZZ)/$$t.log; \
		if [ $$status != 0 ]; then tail -40 $(FUZZ)/$$t.log; exit 1; fi; \
	done

# The committed reference run that CI reproduces bit for bit (see README, Reproducing a run).
# Run it again after any change that alters the numbers a training run produces.
reference: build
	rm -rf results/reference
	$(KPLAB) run experiments/reference.yaml --out results --threads 2 --quiet
	rm -f results/reference/*/.lock

# KeypointLab's side of the performance table (README, Performance): every benchmark
# network at 1 and 2 threads, 3 interleaved passes, medians. Add the peers with
# `make bench PEERS="kplab torch keras-tf"` once ../shared/peers/setup.sh has run.
bench: build
	PEERS="$(or $(PEERS),kplab)" bash bench/side_by_side.sh

clean:
	rm -rf .build
