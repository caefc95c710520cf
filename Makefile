# The README's two commands: `make demo` and `make test`. Each installs what is missing first.
SWIFT ?= swift
SYSTEM_PACKAGES := libyaml-dev libopenblas-dev libpng-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KPLAB := .build/release/kplab

.PHONY: deps build demo test bench reference clean

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

# The end-to-end tests run the debug kplab that `swift test` builds beside them (Engine and
# Faces are compiled with -O even in debug builds, so training small nets stays quick).
test: deps
	$(SWIFT) test

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
