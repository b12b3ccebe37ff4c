//! The in-kernel test framework.
//!
//! Test cases are functions registered with [`ktest!`](crate::ktest) into the `.ktests` linker
//! section; a `ktest` build (`cargo kbuild --features ktest`, what `make test` boots) runs them
//! all and prints one line per case and the closing line `N passed, N failed`, then exits QEMU
//! through `isa-debug-exit` with success or failure.
//!
//! Cases that must *fault* (a divide error, a null dereference, a stack overflow) cannot return:
//! they are registered with `ktest!(fault "expected report text", fn name() { ... })` and each is
//! booted as its own test kernel with `ktest=NAME` on the command line; the host script checks
//! that the serial output carries the expected report. The full run lists them on a line
//! `ktest: fault cases: a b c` so the host knows what to boot.

#[cfg(feature = "ktest")]
mod bench;
#[cfg(feature = "ktest")]
mod cases;
#[cfg(feature = "ktest")]
pub mod session;
mod usage;

use crate::arch::cpu::{self, qemu};
use crate::kprintln;
use core::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

/// Why a test case failed (details were printed where the check failed).
#[derive(Debug)]
pub struct TestFailure {
    /// Source file of the failed check.
    pub file: &'static str,
    /// Line of the failed check.
    pub line: u32,
}

/// What a test case returns.
pub type TestResult = Result<(), TestFailure>;

/// A registered test case (`repr(C)`: the linker collects them into one array).
#[repr(C)]
pub struct TestCase {
    /// Full name (module path and function).
    pub name: &'static str,
    /// The test.
    pub func: fn() -> TestResult,
    /// For a case that must fault: text the report must contain.
    pub expect_fault: Option<&'static str>,
}

impl TestCase {
    /// The name without the crate prefix (and without `ktest::cases::` for cases kept there).
    pub fn short_name(&self) -> &'static str {
        let name = self.name.strip_prefix("kernel::").unwrap_or(self.name);
        name.strip_prefix("ktest::cases::").unwrap_or(name)
    }
}

/// Registers a test case. `ktest!(fn name() { ...; Ok(()) })` for a normal case,
/// `ktest!(fault "report text", fn name() { ... })` for a case that must fault.
#[macro_export]
macro_rules! ktest {
    (fn $name:ident() $body:block) => {
        $crate::ktest!(@register None, $name, $body);
    };
    (fault $expect:literal, fn $name:ident() $body:block) => {
        $crate::ktest!(@register Some($expect), $name, $body);
    };
    (@register $expect:expr, $name:ident, $body:block) => {
        fn $name() -> $crate::ktest::TestResult $body
        const _: () = {
            #[link_section = ".ktests"]
            #[used]
            static CASE: $crate::ktest::TestCase = $crate::ktest::TestCase {
                name: concat!(module_path!(), "::", stringify!($name)),
                func: $name,
                expect_fault: $expect,
            };
        };
    };
}

/// Fails the current test case unless `cond` holds, printing the condition (and an optional
/// formatted message).
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        $crate::check!($cond, "")
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            $crate::kprintln!("    check failed at {}:{}: {} {}", file!(), line!(), stringify!($cond), format_args!($($arg)+));
            return Err($crate::ktest::TestFailure { file: file!(), line: line!() });
        }
    };
}

/// Fails the current test case unless the two values are equal, printing both.
#[macro_export]
macro_rules! check_eq {
    ($a:expr, $b:expr) => {
        $crate::check_eq!($a, $b, "")
    };
    ($a:expr, $b:expr, $($arg:tt)+) => {
        match (&$a, &$b) {
            (a, b) => {
                if a != b {
                    $crate::kprintln!("    check failed at {}:{}: {} == {}: left {:?}, right {:?} {}",
                        file!(), line!(), stringify!($a), stringify!($b), a, b, format_args!($($arg)+));
                    return Err($crate::ktest::TestFailure { file: file!(), line: line!() });
                }
            }
        }
    };
}

extern "C" {
    static __ktests_start: u8;
    static __ktests_end: u8;
}

/// Every registered case, in link order.
pub fn cases() -> &'static [TestCase] {
    // SAFETY: the linker script brackets the `.ktests` section, which holds only `TestCase`
    // statics emitted by `ktest!`, contiguous and aligned.
    unsafe {
        let start = core::ptr::addr_of!(__ktests_start).cast::<TestCase>();
        let end = core::ptr::addr_of!(__ktests_end).cast::<TestCase>();
        let len = (end as usize - start as usize) / core::mem::size_of::<TestCase>();
        core::slice::from_raw_parts(start, len)
    }
}

static CURRENT: AtomicPtr<TestCase> = AtomicPtr::new(core::ptr::null_mut());
static PASSED: AtomicU32 = AtomicU32::new(0);
static FAILED: AtomicU32 = AtomicU32::new(0);

/// Runs the cases selected by the `ktest=` command-line value (all normal cases when empty or
/// absent; one fault case by name), then exits QEMU.
pub fn run(selection: Option<&str>) -> ! {
    match selection.filter(|s| !s.is_empty() && *s != "all") {
        #[cfg(feature = "ktest")]
        Some("bench") => {
            bench::run();
            qemu::exit(qemu::SUCCESS)
        }
        Some(name) => run_fault_case(name),
        None => run_all(),
    }
}

fn run_all() -> ! {
    let all = cases();
    kprintln!("ktest: running {} cases", all.iter().filter(|c| c.expect_fault.is_none()).count());
    for case in all.iter().filter(|c| c.expect_fault.is_none()) {
        CURRENT.store(case as *const TestCase as *mut TestCase, Ordering::SeqCst);
        let before = usage::snapshot();
        let start = cpu::rdtsc();
        let mut result = (case.func)();
        let cycles = cpu::rdtsc() - start;
        if result.is_ok() {
            result = usage::check_unchanged(&before);
        }
        match result {
            Ok(()) => {
                PASSED.fetch_add(1, Ordering::SeqCst);
                kprintln!("test {} ... ok ({} kcycles)", case.short_name(), cycles / 1000);
            }
            Err(failure) => {
                FAILED.fetch_add(1, Ordering::SeqCst);
                kprintln!("test {} ... FAILED (check at {}:{})", case.short_name(), failure.file, failure.line);
            }
        }
    }
    CURRENT.store(core::ptr::null_mut(), Ordering::SeqCst);
    crate::kprint!("ktest: fault cases:");
    for case in all.iter().filter(|c| c.expect_fault.is_some()) {
        crate::kprint!(" {}", case.short_name());
    }
    kprintln!();
    finish()
}

fn run_fault_case(name: &str) -> ! {
    let Some(case) = cases().iter().find(|c| c.short_name() == name && c.expect_fault.is_some()) else {
        kprintln!("ktest: no fault case named '{name}'");
        FAILED.fetch_add(1, Ordering::SeqCst);
        finish()
    };
    kprintln!("ktest: fault case {} expects a report containing: {}", case.short_name(), case.expect_fault.unwrap_or(""));
    let _ = (case.func)();
    kprintln!("test {} ... FAILED (returned without faulting)", case.short_name());
    FAILED.fetch_add(1, Ordering::SeqCst);
    finish()
}

fn finish() -> ! {
    let (p, f) = (PASSED.load(Ordering::SeqCst), FAILED.load(Ordering::SeqCst));
    kprintln!("{p} passed, {f} failed");
    qemu::exit(if f == 0 { qemu::SUCCESS } else { qemu::FAILURE })
}

/// Called by the panic path: in a test build, records the running case as failed and exits.
pub fn on_panic() {
    if !cfg!(feature = "ktest") {
        return;
    }
    let current = CURRENT.load(Ordering::SeqCst);
    if !current.is_null() {
        // SAFETY: CURRENT only ever points at a `TestCase` in the `.ktests` section.
        let case = unsafe { &*current };
        kprintln!("test {} ... FAILED (panic)", case.short_name());
        FAILED.fetch_add(1, Ordering::SeqCst);
        let (p, f) = (PASSED.load(Ordering::SeqCst), FAILED.load(Ordering::SeqCst));
        kprintln!("{p} passed, {f} failed");
    }
    qemu::exit(qemu::FAILURE)
}
