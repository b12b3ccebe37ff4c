# The two commands: `make run` (boot the kernel in QEMU, serial console on this terminal) and
# `make test` (host tests + kernel tests under QEMU, ending with "N passed, N failed").
#
# Knobs (on the make command line):
#   CMDLINE="log=debug"   kernel command line for `make run` / `make debug`
#   QEMU_FLAGS="-m 3G"    extra QEMU flags for run, debug and test
#   PROFILE=debug         cargo profile (default release: optimised, with debug info)
#   TIMEOUT=5             seconds GRUB waits on its menu in `make run` (edit the command line with 'e')
#   USERLAND=minish       what `make run` boots: busybox (Debian's BusyBox ash, the default) or minish

PROFILE    ?= release
CMDLINE    ?= log=info
QEMU_FLAGS ?=
TIMEOUT    ?= 1
BUILD      := build
TARGET_DIR := target/i686-kernel/$(if $(filter debug,$(PROFILE)),debug,$(PROFILE))
CARGO_PROFILE := $(if $(filter debug,$(PROFILE)),,--profile $(PROFILE))
KERNEL_SRC := $(shell find src boot vmcore/src abi/src -type f) Cargo.toml vmcore/Cargo.toml abi/Cargo.toml linker.ld build.rs i686-kernel.json
USER_SRC   := $(shell find user abi/src -type f -not -name '*.md' -not -path 'user/c/*') abi/Cargo.toml
C_SRC      := $(wildcard user/c/*.c user/c/*.h) user/c/build.sh
USER_PROGS := sh hello echo cat vmtest privtest fuzz notelf
INITRD     := $(BUILD)/initrd.cpio

export QEMU_FLAGS

.PHONY: all setup kernel user ctests iso run debug test test-host test-kernel test-ring3 test-c stress test-busybox test-tty boot-elf fuzz symbolize clippy clean bench-mm

all: iso

setup:
	@tools/setup.sh

# build/kernel.elf is the last PROFILE's: a stamp per profile makes a change of PROFILE rebuild it.
PROFILE_STAMP := $(BUILD)/.profile-$(PROFILE)
$(PROFILE_STAMP):
	@mkdir -p $(BUILD) && rm -f $(BUILD)/.profile-* && touch $@

$(BUILD)/kernel.elf: $(KERNEL_SRC) $(PROFILE_STAMP) | setup
	cargo kbuild $(CARGO_PROFILE)
	@mkdir -p $(BUILD)
	cp $(TARGET_DIR)/kernel $@

$(BUILD)/ktest/kernel.elf: $(KERNEL_SRC) $(PROFILE_STAMP) | setup
	cargo kbuild $(CARGO_PROFILE) --features ktest
	@mkdir -p $(BUILD)/ktest
	cp $(TARGET_DIR)/kernel $@

%.sym: %.elf
	tools/mksyms.sh $< $@

# User programs (user/, Linux i386 ABI) and the initrd holding them in /bin.
$(BUILD)/user/.stamp: $(USER_SRC) | setup
	CARGO_TARGET_DIR=$(CURDIR)/target/user user/build.sh $(BUILD)/user
	@touch $@

user: $(BUILD)/user/.stamp

# The glibc C tests (user/c/, gcc -m32 -static): build/ctests/{c_run,c_basic,...}.
$(BUILD)/ctests/.stamp: $(C_SRC) | setup
	user/c/build.sh $(BUILD)/ctests
	@touch $@

ctests: $(BUILD)/ctests/.stamp

# The C tests on OUR kernel, c_run as init: "N passed, N failed, N skipped", and the verdict
# lines that differ from the last `make test-linux`. Not part of `make test` until the kernel
# runs glibc programs (issue 10).
test-c: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/ctests/.stamp
	tools/ctest.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/ctests $(BUILD)/test-c $(BUILD)/test-linux/linux-test.log

# Issue 13's exhaustion reproducers (user/c/c_exhaust.c) at -m 3G, where a fork bomb has the
# most room: not part of `make test` (which runs them at its 256M and at 32M).
stress: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/ctests/.stamp
	CTEST_PROGRAMS=c_exhaust CTEST_MEM=3G tools/ctest.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/ctests $(BUILD)/stress

# The terminal driven by keystrokes at the serial console (tools/ttytest.sh): our kernel, and
# Linux with the same programs when its kernel is cached (make test-linux fetches it).
test-tty: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/user/.stamp
	tools/ttytest.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/user $(BUILD)/ttytest

$(INITRD): $(BUILD)/user/.stamp $(BUILD)/ctests/.stamp tools/mkinitrd.sh
	tools/mkinitrd.sh $@ $(addprefix $(BUILD)/user/,$(USER_PROGS)) $(BUILD)/ctests/vmview

# The BusyBox userland (issue 11): Debian's busybox-static for i386 (tools/busybox.sh: fetched once
# with a private apt state, cached in ~/.cache/vmkernel-busybox-i386) as /bin/busybox with its
# applet links, /etc from rootfs/, the ash suite in /tests/busybox, our programs in /bin and our
# shell as /bin/minish (tools/busybox-initrd.sh). The same layout boots Linux in `make test-linux`.
BB_INITRD := $(BUILD)/busybox/initrd.cpio
BB_SRC     := $(wildcard tests/busybox/*.sh) $(shell find rootfs -type f) tools/busybox-initrd.sh tools/busybox.sh tools/mkinitrd.sh
$(BB_INITRD): $(BUILD)/user/.stamp $(BUILD)/ctests/.stamp $(BB_SRC)
	@mkdir -p $(dir $@)
	tools/busybox-initrd.sh $@ $(BUILD)/user $(BUILD)/ctests/vmview
$(BUILD)/busybox/linux-initramfs.cpio: $(BUILD)/user/.stamp $(BUILD)/ctests/.stamp $(BB_SRC) tools/linux-initramfs.sh
	@mkdir -p $(dir $@)
	tools/busybox-initrd.sh $@ $(BUILD)/user --linux $(BUILD)/ctests/vmview

# The userland `make run` boots: BusyBox by default, our minish with USERLAND=minish.
# once the kernel runs it (issue 11): BusyBox ash as a login shell (/etc/profile, PS1, motd).
USERLAND   ?= busybox
RUN_INITRD := $(if $(filter busybox,$(USERLAND)),$(BB_INITRD),$(INITRD))
RUN_INIT   := $(if $(filter busybox,$(USERLAND)),init=/bin/busybox -- sh -l)

kernel: $(BUILD)/kernel.elf

$(BUILD)/kernel.iso: $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD) tools/mkiso.sh
	tools/mkiso.sh $@ $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(TIMEOUT) "$(CMDLINE)" $(INITRD) initrd

iso: $(BUILD)/kernel.iso

# Always rebuild the ISO for run/debug so CMDLINE and TIMEOUT changes take effect. tools/run.sh
# turns QEMU's status into make's: 0 after a power-off, reboot or init exit, non-zero after a panic.
run: $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(RUN_INITRD)
	tools/mkiso.sh $(BUILD)/kernel.iso $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(TIMEOUT) "$(strip $(CMDLINE) $(RUN_INIT))" $(RUN_INITRD) initrd
	@echo "=== QEMU: serial console below; quit with Ctrl-A x"
	@tools/run.sh $(BUILD)/kernel.iso $(QEMU_FLAGS)

debug: $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(RUN_INITRD)
	tools/mkiso.sh $(BUILD)/kernel.iso $(BUILD)/kernel.elf $(BUILD)/kernel.sym 0 "$(strip $(CMDLINE) $(RUN_INIT))" $(RUN_INITRD) initrd
	@printf 'file %s\ntarget remote localhost:1234\nset disassembly-flavor intel\nbreak kmain\n' \
		"$(abspath $(BUILD)/kernel.elf)" > $(BUILD)/gdbinit
	@echo "=== QEMU waits for gdb on :1234. In another terminal: gdb -x $(BUILD)/gdbinit"
	qemu-system-i386 -cdrom $(BUILD)/kernel.iso -boot d -display none -serial mon:stdio \
		-no-reboot -s -S $(QEMU_FLAGS)

test: setup $(BUILD)/ktest/kernel.elf $(BUILD)/ktest/kernel.sym $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD) $(BUILD)/ctests/.stamp $(BB_INITRD)
	BUILD=$(BUILD) MM_TESTS="$(MM_TESTS_PASSING)" tools/test.sh

# The BusyBox ash suite (tests/busybox/) on OUR kernel, BusyBox as init: one line per case,
# "N passed, N failed", and the verdict lines that differ from the last `make test-linux`. Not
# part of `make test` until the kernel runs BusyBox (issue 11: the tmpfs root, pipes, the tty).
test-busybox: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BB_INITRD)
	tools/busybox-test.sh ours $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BB_INITRD) $(BUILD)/test-busybox $(BUILD)/test-linux/busybox.log

test-ring3: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD)
	tools/ringtest.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD) $(BUILD)/ringtest

# The system-call fuzzer as init (tools/fuzz.sh, user/README.md "The fuzzer"), coverage-guided
# (docs/coverage.md): N calls in rounds of ROUND, one boot each under QEMU's kernel trace; the
# inputs that reach new kernel code are kept and mutated; ends with the run's kernel coverage.
#   make fuzz [SEED=S] [N=1000000] [ROUND=100000] [GUIDED=0] [FUZZ_ARGS=-v] [QEMU_MEM=3G]
#   make fuzz GUIDED=0 SEED=S FROM=B N=K BATCH=K [CORPUS=build/fuzz/state/corpus-R]
# SEED defaults to a random one (printed); GUIDED=0 is one plain boot: FROM=B N=K BATCH=K
# replays batch B of seed S alone (with the round's CORPUS for a guided batch).
N ?= 1000000
FROM ?= 0
BATCH ?= 1000
ROUND ?= 100000
GUIDED ?= 1
FUZZ_PROGS = $(addprefix $(BUILD)/user/,$(USER_PROGS))
fuzz: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD)
	SEED="$(SEED)" N="$(N)" FROM="$(FROM)" BATCH="$(BATCH)" ROUND="$(ROUND)" GUIDED="$(GUIDED)" CORPUS="$(CORPUS)" \
	FUZZ_PROGS="$(FUZZ_PROGS)" FUZZ_ARGS="$(FUZZ_ARGS)" FUZZ_CMDLINE="$(FUZZ_CMDLINE)" FUZZ_TIMEOUT="$(FUZZ_TIMEOUT)" \
	tools/fuzz.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD) $(BUILD)/fuzz

# Kernel coverage (docs/coverage.md): the suites of `make test` and a guided fuzz run of
# COV_FUZZ_N calls under QEMU's -d in_asm trace; per-directory function and line coverage,
# never-executed functions (build/coverage/): make coverage [COV_FUZZ_N=200000]
# [COV_FUZZ_ADDRS=build/fuzz/state/covered.addrs] (an earlier guided run instead of a new one)
COV_FUZZ_N ?= 200000
.PHONY: coverage
coverage: setup $(BUILD)/ktest/kernel.elf $(BUILD)/ktest/kernel.sym $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(INITRD) $(BUILD)/ctests/.stamp $(BB_INITRD) $(BUILD)/mm/.stamp
	BUILD=$(BUILD) MM_TESTS="$(MM_TESTS_PASSING)" FUZZ_PROGS="$(FUZZ_PROGS)" COV_FUZZ_N="$(COV_FUZZ_N)" COV_FUZZ_ADDRS="$(COV_FUZZ_ADDRS)" tools/coverage.sh $(BUILD)/coverage

# Boots any static i386 ELF as init: make boot-elf ELF=path/to/prog ARGS="a b"
boot-elf: $(BUILD)/kernel.elf $(BUILD)/kernel.sym
	tools/boot-elf.sh $(ELF) $(ARGS)

test-host:
	cargo test

test-kernel: setup $(BUILD)/ktest/kernel.elf $(BUILD)/ktest/kernel.sym
	tools/ktest.sh $(BUILD)/ktest/kernel.elf $(BUILD)/ktest/kernel.sym $(BUILD)/ktest

# Turns addresses (arguments, or a pasted panic report on stdin) into function names and lines.
symbolize: $(BUILD)/kernel.elf
	@tools/symbolize.sh $(BUILD)/kernel.elf $(ADDRS)

clippy:
	cargo clippy -p vmcore -p abi --all-targets
	cargo kclippy

clean:
	cargo clean
	rm -rf $(BUILD)

# Memory-substrate micro-benchmarks under -icount shift=0 (guest instructions, deterministic).
bench-mm: setup $(BUILD)/ktest/kernel.elf $(BUILD)/ktest/kernel.sym
	tools/mkiso.sh $(BUILD)/ktest/bench.iso $(BUILD)/ktest/kernel.elf $(BUILD)/ktest/kernel.sym 0 "ktest=bench log=warn"
	tools/qemu.sh $(BUILD)/ktest/bench.iso $(BUILD)/ktest/bench.log 120 -icount shift=0 $(QEMU_FLAGS) | grep '^bench'

# Benchmarks side by side with Linux i386 (docs/benchmarks.md). The benchmark is the static
# user program `bench` (user/programs/src/bin/bench.rs); `make test` builds it but never runs it.
.PHONY: bench bench-linux test-linux bench-bin bench-profile
bench-bin: $(BUILD)/user/.stamp
	@test -x $(BUILD)/user/bench || { echo "user/build.sh did not produce bench"; exit 1; }
test: bench-bin

# Our kernel with bench as init: -icount shift=0 (guest instructions) plus one plain-TCG run.
bench: setup bench-bin $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-mmap/bench-mmap
	tools/bench.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/user/bench $(BUILD)/bench
	QEMU_FLAGS="-m 512M -icount shift=0" TIMEOUT=900 tools/boot-elf.sh $(BUILD)/bench-mmap/bench-mmap | grep '^bench-mmap'

# The same binary as /init of Debian's 32-bit Linux (downloaded once, cached), same QEMU flags.
bench-linux: setup bench-bin $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-mmap/bench-mmap
	tools/bench.sh --linux $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/user/bench $(BUILD)/bench
	tools/linux-initramfs.sh $(BUILD)/bench-mmap/linux.cpio --as /init $(BUILD)/bench-mmap/bench-mmap
	timeout 900 qemu-system-i386 -kernel "$$(tools/linux-kernel.sh)" -initrd $(BUILD)/bench-mmap/linux.cpio \
	  -append "console=ttyS0 quiet panic=-1" -display none -serial stdio -monitor none -no-reboot \
	  -m 512M -icount shift=0 </dev/null | tr -d '\r' | grep '^bench-mmap'

# mmap+munmap of 2 pages with 1 / 100 / 1,000 / 10,000 mappings present (issue 14, point 1;
# docs/benchmarks.md "Mappings present"): tools/bench-mmap.c as init, part of bench/bench-linux.
$(BUILD)/bench-mmap/bench-mmap: tools/bench-mmap.c
	@mkdir -p $(BUILD)/bench-mmap
	gcc -m32 -static -O2 -g -Wall -Wextra -Werror -o $(BUILD)/bench-mmap/bench-mmap.debug $<
	strip -o $@ $(BUILD)/bench-mmap/bench-mmap.debug

# The ring-3 suite's binaries and the glibc C tests on that Linux kernel (linit as /init), then
# the BusyBox ash suite (BusyBox as init, the layout of `make test-busybox`):
# "N passed, N failed, N skipped".
test-linux: setup $(BUILD)/user/.stamp $(BUILD)/ctests/.stamp $(BUILD)/busybox/linux-initramfs.cpio $(BUILD)/mm/.stamp $(BUILD)/kernel.elf $(BUILD)/kernel.sym
	tools/linux-test.sh $(BUILD)/user $(BUILD)/test-linux $(BUILD)/ctests $(BUILD)/busybox/linux-initramfs.cpio; \
	  a=$$?; tools/mm-test.sh linux $(BUILD)/mm $(BUILD)/test-linux/mm; b=$$?; \
	  TTYTEST_LINUX=1 tools/ttytest.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/user $(BUILD)/test-linux/tty; c=$$?; \
	  [ $$a -eq 0 ] && [ $$b -eq 0 ] && [ $$c -eq 0 ]

# Linux 6.1's mm selftests (issue 12), built once from Debian's linux-source-6.1
# (tools/mm-selftests.sh; the source is cached in ~/.cache/vmkernel-linux-selftests), run by
# tools/mm/mm_sel under c_run: all of them on our kernel with `make test-mm`, on Linux with
# `make test-linux`; `make test` runs MM_TESTS_PASSING, the ones that pass on ours.
MM_TESTS_PASSING := map_fixed_noreplace map_populate mremap_dontunmap mlock2-tests mlock-random-test on-fault-limit@nobody madv_populate
# Reported, not counted: mremap_test fails on Linux 6.1 i386 itself (4 GB of 2 GB cases).
export MM_INFO := mremap_test
.PHONY: test-mm
$(BUILD)/mm/.stamp: tools/mm-selftests.sh tools/linux-selftests.sh tools/mm/mm_sel.c user/c/c_run.c
	tools/mm-selftests.sh $(BUILD)/mm
	@touch $@
test-mm: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/mm/.stamp
	tools/mm-test.sh ours $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/mm $(BUILD)/test-mm
test: $(BUILD)/mm/.stamp

# Fork rate with many processes alive (issue 13, docs/benchmarks.md "Many processes"): the C
# program tools/bench-scale.c as init at -m 3G under -icount shift=0, LEVELS live processes
# (default 100 1000 10000 30000; the 30,000 row takes a few minutes). Not part of make test.
# make bench-scale-profile LEVELS=300: where the kernel's instructions go at the last level.
LEVELS ?= 100 1000 10000 30000
.PHONY: bench-scale bench-scale-profile
$(BUILD)/bench-scale/bench-scale: tools/bench-scale.c
	@mkdir -p $(BUILD)/bench-scale
	gcc -m32 -static -O2 -g -Wall -Wextra -Werror -o $(BUILD)/bench-scale/bench-scale.debug $<
	strip -o $@ $(BUILD)/bench-scale/bench-scale.debug
bench-scale: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-scale/bench-scale
	QEMU_FLAGS="-m 3G -icount shift=0" TIMEOUT=3600 tools/boot-elf.sh $(BUILD)/bench-scale/bench-scale $(LEVELS) | grep '^bench-scale'
bench-scale-profile: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-scale/bench-scale
	BENCH_MEM=3G PROFILE_INIT_ARGS="$(LEVELS)" tools/bench-profile.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-scale/bench-scale.debug $(BUILD)/bench-scale/profile scale

# Where our kernel's instructions go in bench-mmap's pairs, one section per level (first
# repetition, 50 pairs): make bench-mmap-profile [LEVELS="1 100"]
.PHONY: bench-mmap-profile
bench-mmap-profile: setup $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-mmap/bench-mmap
	BENCH_MEM=512M PROFILE_INIT_ARGS="$(or $(LEVELS),1 100)" tools/bench-profile.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/bench-mmap/bench-mmap.debug $(BUILD)/bench-mmap/profile mmap

# Where our kernel's instructions go in one workload: make bench-profile W=W4 [BENCH_ARGS=--quick]
bench-profile: setup bench-bin $(BUILD)/kernel.elf $(BUILD)/kernel.sym
	tools/bench-profile.sh $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/user/debug/bench $(BUILD)/bench-profile $(or $(W),W4) $(BENCH_ARGS)
