//! Allocation-failure injection, like Linux's fault-injection framework: with
//! `fail_page_alloc=N` on the kernel command line every Nth frame allocation on behalf of a
//! process fails; with `failslab=N` every Nth *fallible* kernel-heap allocation fails (the ones
//! made through [`fallible`]: process and address-space objects, open files, strings copied
//! from user space). `fail_filter=NAME` limits both to processes whose program is NAME.
//!
//! Nothing is injected for the kernel itself (pid 0: boot, the idle task) nor for the kernel
//! heap's own growth, whose callers cannot fail; everything else that allocates must then fail
//! cleanly: `-ENOMEM`/`-EAGAIN` to the caller, or SIGKILL for a page fault that cannot be
//! served, with nothing half-built left behind.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use spin::Once;

static PAGE_EVERY: AtomicU32 = AtomicU32::new(0);
static SLAB_EVERY: AtomicU32 = AtomicU32::new(0);
static PAGE_COUNT: AtomicU32 = AtomicU32::new(0);
static SLAB_COUNT: AtomicU32 = AtomicU32::new(0);
/// Failures injected so far (frames, heap).
pub static INJECTED: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];
static FILTER: Once<Option<alloc::string::String>> = Once::new();
/// Set while a fallible heap allocation is being made.
static IN_FALLIBLE: AtomicBool = AtomicBool::new(false);

/// Reads the injection options from the command line.
pub fn init() {
    let every = |key| crate::cmdline::get_u32(key).unwrap_or(0);
    PAGE_EVERY.store(every("fail_page_alloc"), Ordering::Relaxed);
    SLAB_EVERY.store(every("failslab"), Ordering::Relaxed);
    FILTER.call_once(|| crate::cmdline::get("fail_filter").filter(|f| !f.is_empty()).map(alloc::string::String::from));
    let (p, s) = (PAGE_EVERY.load(Ordering::Relaxed), SLAB_EVERY.load(Ordering::Relaxed));
    if p != 0 || s != 0 {
        log::warn!("failure injection: every {p}th frame allocation, every {s}th fallible kmalloc (0 = never), filter {:?}", FILTER.get());
    }
}

/// Whether injection applies to the running task: set by the scheduler on every switch and by
/// exec ([`switched_to`]), so the allocators never ask the scheduler.
static APPLIES: AtomicBool = AtomicBool::new(false);

/// Told by the process layer whenever the running task changes (a context switch) or renames
/// itself (exec): `pid` 0 is the kernel itself, never injected. One load when injection is off.
#[inline(always)]
pub fn switched_to(pid: u32, name: &str) {
    if PAGE_EVERY.load(Ordering::Relaxed) != 0 || SLAB_EVERY.load(Ordering::Relaxed) != 0 {
        APPLIES.store(pid != 0 && FILTER.get().is_none_or(|f| f.as_deref().is_none_or(|f| f == name)), Ordering::Relaxed);
    }
}

fn applies() -> bool {
    APPLIES.load(Ordering::Relaxed)
}

#[cold]
#[inline(never)]
fn tick(every: &AtomicU32, count: &AtomicU32, which: usize) -> bool {
    let n = every.load(Ordering::Relaxed);
    if n == 0 || !applies() {
        return false;
    }
    if count.fetch_add(1, Ordering::Relaxed) % n == n - 1 {
        INJECTED[which].fetch_add(1, Ordering::Relaxed);
        return true;
    }
    false
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
    PAGE_EVERY.load(Ordering::Relaxed) != 0 && tick(&PAGE_EVERY, &PAGE_COUNT, 0)
}

/// Whether this heap allocation should fail (only inside [`fallible`]).
#[inline(always)]
pub fn fail_slab() -> bool {
    IN_FALLIBLE.load(Ordering::Relaxed) && tick(&SLAB_EVERY, &SLAB_COUNT, 1)
}

/// Runs a fallible allocation (`Arc::try_new`, `Vec::try_reserve`, ...): heap failures may be
/// injected inside.
pub fn fallible<R>(op: impl FnOnce() -> R) -> R {
    let was = IN_FALLIBLE.swap(true, Ordering::Relaxed);
    let r = op();
    IN_FALLIBLE.store(was, Ordering::Relaxed);
    r
}

/// Whether a fallible allocation (one a user path makes) is being made now: the heap then
/// leaves the memory reserve alone (`super::reserve`).
#[inline(always)]
pub fn in_fallible() -> bool {
    IN_FALLIBLE.load(Ordering::Relaxed)
}
