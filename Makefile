# SPDX-License-Identifier: GPL-2.0-or-later
#
# sraid: the front door.  Everything lands in build/ (git-ignored).
#
#   make demo    build what is missing, then a 2-node cluster with Linux
#                guests tells the story (scripts/demo.sh, docs/user-guide.md)
#   make check   build what is missing and run every test: 'N passed, N failed'
#   make compliance  libiscsi's iscsi-test-cu against our target and tgtd,
#                side by side (docs/compliance.md)
#   make guest-compliance  iscsi-test-cu in the Linux guest on the SG devices
#                of a logical drive and a plain scsi-hd (docs/compliance.md)
#   make guest-tools  sraidctl for the guest, static: build/guest-drivers/
#   make lint    checkpatch + hook patches still apply
#   make fuzz    libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make sim-long  membership simulation: SIM_SEEDS random seeds (default
#                100000) from SIM_FIRST, or SIM_SECONDS of them
#   make bench, make bench-iscsi, make bench-guest   benchmarks (bench/),
#                not tests
#   make clean   remove build/
#
# Variables: QEMU_SRC=<tree> builds against your own QEMU 10.0.x tree.

BUILD      ?= $(CURDIR)/build
QEMU_BUILD := $(BUILD)/qemu-build
CORE_BUILD := $(BUILD)/core
QEMU_BIN   := $(QEMU_BUILD)/qemu-system-x86_64
export BUILD QEMU_SRC

.PHONY: all deps core qemu guest-tools check compliance guest-compliance demo lint fuzz clean

all: core qemu guest-tools

deps:
	@scripts/install-deps.sh all

core: deps
	@mkdir -p $(BUILD)
	@if [ ! -f $(CORE_BUILD)/build.ninja ]; then \
		meson setup $(CORE_BUILD) . >$(BUILD)/core-setup.log 2>&1 || \
		{ cat $(BUILD)/core-setup.log; exit 1; }; fi
	@ninja -C $(CORE_BUILD)

qemu: deps
	@scripts/build-qemu.sh

# guest tools (docs/sraidctl.md), built with the host's gcc, linked
# statically; the guest image takes build/guest-drivers/sraidctl if there
guest-tools:
	@$(MAKE) --no-print-directory -C guest-drivers/linux/sraidctl \
		REPO=$(CURDIR) OUT=$(BUILD)/guest-drivers

check: core qemu guest-tools
	@scripts/check.sh

demo: core qemu guest-tools
	@scripts/demo.sh

compliance: core qemu
	@tests/compliance/iscsi-compliance.sh $(QEMU_BIN) $(CORE_BUILD)/sraid-img

# also in make check (guest/compliance); its scsi-hd column is the reference
guest-compliance: core qemu guest-tools
	@tests/guest/guest-compliance.sh $(QEMU_BIN) $(CORE_BUILD)/sraid-img

.PHONY: bench bench-iscsi bench-guest
bench:
	@bench/ld-bench.sh

# the iSCSI target against tgtd, and the vendor command round trip
bench-iscsi:
	@bench/iscsi-bench.sh

# fio in the Linux guest: a logical drive and a plain scsi-hd, ratios
bench-guest: core qemu guest-tools
	@bench/guest-fio-bench.sh

# membership: SIGKILL of a master / slave to detection, false failures
bench-membership: core qemu
	@bench/membership-bench.py

lint: deps
	@scripts/lint.sh

# make check runs the first 2000 seeds; this runs many more
.PHONY: sim-long
sim-long: core
	@if [ -n "$(SIM_SECONDS)" ]; then \
		$(CORE_BUILD)/tests/sim/sraid-sim --first $${SIM_FIRST:-1} \
			--seconds $(SIM_SECONDS); \
	else \
		$(CORE_BUILD)/tests/sim/sraid-sim --first $${SIM_FIRST:-1} \
			--seeds $${SIM_SEEDS:-100000}; \
	fi

fuzz:
	@scripts/install-deps.sh fuzz
	@scripts/fuzz.sh

clean:
	rm -rf $(BUILD)
