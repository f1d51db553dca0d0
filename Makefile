# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile: builds lhv.ko (out of tree, through Kbuild), the
# userspace tools and the selftests, and drives the lab.
#
#   make            build everything into build/ (module in the tree root)
#   make check      install what is missing (Debian 12, root), build, run the
#                   host unit tests and every lab suite; last line is
#                   "N passed, N failed"
#   make demo       boot the SVM lab host and run a guest under lhv
#   make bench      lhv against KVM in deterministic instruction counts
#   make fuzz       run the fuzz targets for a while
#
# KDIR selects the kernel build tree.  Default: the running kernel's, when
# its headers are installed, else Debian's newest installed 6.1 headers.

SHELL := /bin/bash
SRC := $(CURDIR)
BUILD := $(SRC)/build

# Recursive (=) and filled in only when empty: "make check" installs the
# headers (lab/deps.sh) after this file is first parsed, and the sub-make
# it then runs inherits an empty KDIR from the environment; "?=" would keep
# that empty value, so an empty KDIR or KVER is computed again here.
KDIR_DEFAULT = $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; else \
		ls -d /lib/modules/6.1.*-amd64/build 2>/dev/null | sort -V | \
		tail -n 1; fi)
ifeq ($(strip $(KDIR)),)
KDIR = $(KDIR_DEFAULT)
endif
ifeq ($(strip $(KVER)),)
KVER = $(if $(strip $(KDIR)),$(notdir $(patsubst %/,%,$(dir $(KDIR)))))
endif

export SRC BUILD KDIR KVER

.PHONY: all module userspace selftests unit check check-run demo bench fuzz \
	lab-svm lab-vmx clean deps checkpatch check-fresh \
	demo-run bench-tool

all: module userspace selftests bench-tool

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel headers: set KDIR (apt-get install linux-headers-amd64)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(SRC) modules

userspace:
	$(MAKE) -C userspace O=$(BUILD)

selftests:
	$(MAKE) -C selftests O=$(BUILD)

# lhv-bench, the benchmark that lab/bench.sh runs inside the lab host.
bench-tool:
	$(MAKE) -C bench O=$(BUILD)

# Host unit tests of the pure-C parts (MMU formats, memslots, decoder ...).
unit:
	$(MAKE) -C selftests O=$(BUILD) unit

deps:
	bash lab/deps.sh

# make check: set up the machine first, then build and test with the
# variables recomputed (KDIR may only exist after deps).  lab/check.sh
# builds each part itself and counts a build failure as a failed test, so
# the last line is always "N passed, M failed".
check:
	@bash lab/deps.sh
	@$(MAKE) --no-print-directory check-run

check-run:
	@bash lab/check.sh

# make check-fresh: the first "make check" on a machine with none of the
# packages, in a minimal Debian 12 root (debootstrap, chroot); root only.
check-fresh:
	@bash lab/fresh.sh

lab-svm: all
	bash lab/svm.sh

lab-vmx: all
	bash lab/vmx.sh

# lab/demo.sh builds what it needs and explains what did not build.
demo:
	@bash lab/deps.sh
	@$(MAKE) --no-print-directory demo-run

demo-run:
	@bash lab/demo.sh

# A build failure does not stop it: lab/bench.sh builds lhv-bench itself and
# reports lhv as FAILED when lhv.ko is missing, so KVM's column still comes.
bench:
	@bash lab/deps.sh
	@$(MAKE) --no-print-directory all || \
		echo "make bench: 'make all' failed; benchmarking what exists" >&2
	@bash lab/bench.sh

fuzz:
	$(MAKE) -C selftests O=$(BUILD) fuzz

checkpatch:
	@bash lab/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(SRC) clean 2>/dev/null
	rm -rf $(BUILD)
