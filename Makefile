# SPDX-License-Identifier: GPL-2.0
#
# goalloc: `make` builds goalloc.ko against KDIR; `make check` runs every
# test; see README.md.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

check:
	./scripts/check.sh

# The demo on Debian's stock kernel in QEMU; `make shell` boots it to a shell.
run:
	./scripts/run.sh

shell:
	./scripts/run.sh --shell

# minix from linux-source-6.1 moved onto goalloc with goalloc_redirect.h,
# under a file workload on the stock kernel; FILES per worker (1000).
FILES ?= 1000
realmod:
	./scripts/realmod.sh $(FILES)

# goalloc against SLUB on the stock kernel, both clocks: build/bench/
# (results.csv, summary.md, plots); about an hour.
bench:
	./scripts/bench.sh

# Rerun the KUnit suites on the cached test kernels; SUITE=name runs one.
kunit:
	./scripts/kunit.sh $(if $(SUITE),--suite $(SUITE))

# The torture suite alone for MINUTES minutes (default 10), on 4 CPUs.
MINUTES ?= 10
torture:
	./scripts/deps.sh
	./scripts/kunit.sh --torture $(MINUTES)

.PHONY: all modules clean check kunit torture run shell realmod bench
