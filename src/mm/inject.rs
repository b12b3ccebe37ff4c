//! Allocation-failure injection, like Linux's fault-injection framework: with
//! `fail_page_alloc=N` on the kernel command line every Nth frame allocation on behalf of a
//! process fails; with `failslab=N` one in N kernel-heap allocations made on behalf of a
//! process fails (a fixed pseudo-random choice, see [`one_in`]) — reaching *every* one,
//! hooked in the global allocator itself, not only those a call site marked. `fail_filter=NAME[,NAME...]` limits both to processes running one of those
//! programs.
//!
//! "On behalf of a process" is the running context, not the call site: a system call, a page
//! fault, a signal delivery or anything else the kernel does between a process's trap and its
//! return to user mode. Nothing is injected for the kernel itself — pid 0 (boot, the idle
//! task), interrupt handlers ([`interrupt`]: the timer, the serial line), the terminal's
//! deferred input work ([`kernel_work`]) — nor for the kernel heap's own growth and vmalloc's
//! page tables, which take frames through `frames::alloc_zeroed_for_kernel`.
//!
//! So every allocation on a process's path must be fallible (`try_reserve`, `Box::try_new`,
//! ...): an infallible one that gets an injected failure ends in the allocation-error handler's
//! kernel panic, with a backtrace naming it — which is how the ring-3 suites under `failslab`
//! (tools/ringtest.sh) find the ones left. A failure becomes `-ENOMEM`/`-EAGAIN` to the caller
//! or SIGKILL for a page fault that cannot be served, with nothing half-built left behind.
//!
//! Statistics for the report at power-off ([`report`]): failures injected, distinct allocation
//! sites reached and failed (a site is the pair of return addresses above the allocator), and
//! allocations made in interrupt context (there should be none).

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use spin::Once;

static PAGE_EVERY: AtomicU32 = AtomicU32::new(0);
static SLAB_EVERY: AtomicU32 = AtomicU32::new(0);
static PAGE_COUNT: AtomicU32 = AtomicU32::new(0);
/// The state of [`one_in`]'s generator (0 until the first heap allocation it judges).
static SLAB_COUNT: AtomicU32 = AtomicU32::new(0);
/// Failures injected so far (frames, heap).
pub static INJECTED: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];
static FILTER: Once<Option<alloc::string::String>> = Once::new();
/// Nesting depth of kernel work run inside a process's context (interrupt handlers, deferred
/// terminal work): no heap failure is injected while it is above 0. Interrupt gates keep IRQs
/// from nesting and the scheduler switches tasks only outside them, so one counter suffices.
static KERNEL_DEPTH: AtomicU32 = AtomicU32::new(0);
/// Heap allocations seen in interrupt context while `failslab` was on.
static IRQ_ALLOCS: AtomicU32 = AtomicU32::new(0);
static IN_IRQ: AtomicU32 = AtomicU32::new(0);

/// Reads the injection options from the command line.
pub fn init() {
    let every = |key| crate::cmdline::get_u32(key).unwrap_or(0);
    PAGE_EVERY.store(every("fail_page_alloc"), Ordering::Relaxed);
    SLAB_EVERY.store(every("failslab"), Ordering::Relaxed);
    FILTER.call_once(|| crate::cmdline::get("fail_filter").filter(|f| !f.is_empty()).map(alloc::string::String::from));
    let (p, s) = (PAGE_EVERY.load(Ordering::Relaxed), SLAB_EVERY.load(Ordering::Relaxed));
    if p != 0 || s != 0 {
        log::warn!("failure injection: every {p}th frame allocation, one kmalloc in {s} of a process (0 = never), filter {:?}", FILTER.get());
    }
}

/// Whether injection applies to the running task: set by the scheduler on every switch and by
/// exec ([`switched_to`]), so the allocators never ask the scheduler.
static APPLIES: AtomicU32 = AtomicU32::new(0);

/// Told by the process layer whenever the running task changes (a context switch) or renames
/// itself (exec): `pid` 0 is the kernel itself, never injected. One load when injection is off.
#[inline(always)]
pub fn switched_to(pid: u32, name: &str) {
    if PAGE_EVERY.load(Ordering::Relaxed) != 0 || SLAB_EVERY.load(Ordering::Relaxed) != 0 {
        let applies = pid != 0 && FILTER.get().is_none_or(|f| f.as_deref().is_none_or(|f| f.split(',').any(|n| n == name)));
        APPLIES.store(applies as u32, Ordering::Relaxed);
    }
}

/// Runs an interrupt handler: kernel work, never injected, and counted if it allocates.
pub fn interrupt<R>(op: impl FnOnce() -> R) -> R {
    IN_IRQ.fetch_add(1, Ordering::Relaxed);
    let r = kernel_work(op);
    IN_IRQ.fetch_sub(1, Ordering::Relaxed);
    r
}

/// Runs kernel work that happens to run in a process's context but is not done for it (the
/// terminal's deferred input processing): no heap failure is injected inside.
pub fn kernel_work<R>(op: impl FnOnce() -> R) -> R {
    KERNEL_DEPTH.fetch_add(1, Ordering::Relaxed);
    let r = op();
    KERNEL_DEPTH.fetch_sub(1, Ordering::Relaxed);
    r
}

fn applies() -> bool {
    APPLIES.load(Ordering::Relaxed) != 0
}

/// Whether the `count`-th event of an `every` injection fails.
fn nth(every: u32, count: &AtomicU32) -> bool {
    count.fetch_add(1, Ordering::Relaxed) % every == every - 1
}

/// Whether this heap allocation is the one in `every` that fails: a fixed pseudo-random
/// sequence (xorshift32 from a fixed seed, so a run is reproducible), not exactly every Nth.
/// Every allocation of a process is counted, so one operation can make dozens (a fork: its
/// address space, task, tables, descriptors); with a strict period such an operation would
/// fail every time once it makes more than N, and nothing past it would ever be tested.
fn one_in(every: u32) -> bool {
    let mut x = SLAB_COUNT.load(Ordering::Relaxed);
    if x == 0 {
        x = 0x9E37_79B9 ^ every;
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    SLAB_COUNT.store(x, Ordering::Relaxed);
    x % every == 0
}

/// Whether frame-allocation failures are being injected at all.
#[inline(always)]
pub fn frames_injected() -> bool {
    PAGE_EVERY.load(Ordering::Relaxed) != 0
}

/// Whether this frame allocation should fail. Off (the usual case) costs one load: this sits
/// on the frame allocator's hot path.
#[inline(always)]
pub fn fail_frame() -> bool {
    PAGE_EVERY.load(Ordering::Relaxed) != 0 && frame_tick()
}

#[cold]
#[inline(never)]
fn frame_tick() -> bool {
    if !applies() || !nth(PAGE_EVERY.load(Ordering::Relaxed), &PAGE_COUNT) {
        return false;
    }
    INJECTED[0].fetch_add(1, Ordering::Relaxed);
    true
}

/// Whether this heap allocation should fail: called by the global allocator for every
/// allocation. Off (the usual case) costs one load.
#[inline(always)]
pub fn fail_slab() -> bool {
    SLAB_EVERY.load(Ordering::Relaxed) != 0 && slab_tick()
}

#[cold]
#[inline(never)]
fn slab_tick() -> bool {
    if IN_IRQ.load(Ordering::Relaxed) != 0 {
        IRQ_ALLOCS.fetch_add(1, Ordering::Relaxed);
        return false;
    }
    if KERNEL_DEPTH.load(Ordering::Relaxed) != 0 || !applies() {
        return false;
    }
    let site = super::injectsites::caller_site();
    super::injectsites::REACHED.note(site);
    if !one_in(SLAB_EVERY.load(Ordering::Relaxed)) {
        return false;
    }
    super::injectsites::FAILED.note(site);
    INJECTED[1].fetch_add(1, Ordering::Relaxed);
    true
}

/// Set while an allocation marked fallible is being made (the heap's growth then leaves the
/// memory reserve alone: [`in_fallible`]).
static IN_FALLIBLE: AtomicBool = AtomicBool::new(false);

/// Runs a fallible allocation (`Arc::try_new`, `Vec::try_reserve`, ...). Injection does not
/// depend on it (the allocator injects for every allocation of a process); the heap's growth
/// does: such an allocation may not take the memory reserve (`super::reserve`).
pub fn fallible<R>(op: impl FnOnce() -> R) -> R {
    let was = IN_FALLIBLE.swap(true, Ordering::Relaxed);
    let r = op();
    IN_FALLIBLE.store(was, Ordering::Relaxed);
    r
}

/// The power-off report of what was injected (nothing when injection is off):
/// `failure injection: F frame and H heap failures injected; heap sites: R reached, S failed;
/// I allocations in interrupt context`.
pub fn report() {
    let (p, s) = (PAGE_EVERY.load(Ordering::Relaxed), SLAB_EVERY.load(Ordering::Relaxed));
    if p == 0 && s == 0 {
        return;
    }
    crate::kprintln!(
        "failure injection: {} frame and {} heap failures injected; heap sites: {} reached, {} failed; {} allocations in interrupt context",
        INJECTED[0].load(Ordering::Relaxed),
        INJECTED[1].load(Ordering::Relaxed),
        super::injectsites::REACHED.count(),
        super::injectsites::FAILED.count(),
        IRQ_ALLOCS.load(Ordering::Relaxed)
    );
}

/// Whether a fallible allocation (one a user path makes) is being made now: the heap then
/// leaves the memory reserve alone (`super::reserve`).
#[inline(always)]
pub fn in_fallible() -> bool {
    IN_FALLIBLE.load(Ordering::Relaxed)
}
