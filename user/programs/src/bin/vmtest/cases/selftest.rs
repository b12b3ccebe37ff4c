//! Cases that check the runner itself.

use super::*;

/// Cases that check the runner itself (run only when named; each must be reported FAILED).
pub static SELFTESTS: &[Case] = &[
    case!(
        selftest_fail,
        OK,
        ALL,
        "runner self-test: a failing check must be reported FAILED (exit 1)"
    ),
    case!(
        selftest_wrong_signal,
        SEGV,
        ALL,
        "runner self-test: exit 0 where SIGSEGV is expected must be FAILED"
    ),
    case!(
        selftest_hang,
        OK,
        ALL,
        "runner self-test: a hanging case must be killed by the --timeout watchdog"
    ),
];

fn selftest_fail(_ctx: &Ctx) {
    check_eq!(1 + 1, 3, "deliberately false");
}

fn selftest_wrong_signal(_ctx: &Ctx) {}

fn selftest_hang(_ctx: &Ctx) {
    loop {
        sys::sleep_ms(1000);
    }
}
