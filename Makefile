# The README's two commands: `make demo` and `make test`. Each installs what is missing first.
SWIFT ?= swift
SYSTEM_PACKAGES := libyaml-dev libopenblas-dev libpng-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KPLAB := .build/release/kplab

.PHONY: deps build demo test reference clean

# Install the Debian packages the C shims link against, only when one is missing.
deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product kplab

# Checks every example experiment, then trains the demo (a small CNN on the built-in
# synthetic faces, about 20 s on 2 cores) into results/demo/<run-id>/.
demo: build
	@$(KPLAB) check experiments/*.yaml | grep -E '^[^ ].*: ok$$'
	$(KPLAB) run experiments/demo.yaml --overwrite

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

clean:
	rm -rf .build
