//! The CMOS real-time clock (MC146818), read once at boot for CLOCK_REALTIME. QEMU's RTC
//! keeps the host's UTC. The registers are read the way Linux's `mc146818_get_time` reads
//! them: wait until no update is in progress, read everything, and read again until two
//! reads agree (an update may start between the check and the reads). What the values mean
//! (BCD or binary, 12- or 24-hour, the century) is `vmcore::time::RtcRaw::decode`'s business.

use vmcore::time::RtcRaw;
use x86::io::{inb, outb};

const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;
const STATUS_A: u8 = 0x0a;
const STATUS_B: u8 = 0x0b;
/// Status register A: update in progress.
const UIP: u8 = 0x80;
/// The century register QEMU and most PCs have (ACPI FADT `century`).
const CENTURY: u8 = 0x32;
/// Polls of the update flag before giving up (an update lasts under 2 ms).
const MAX_POLLS: u32 = 1_000_000;

fn read(reg: u8) -> u8 {
    // SAFETY: the CMOS index/data ports; bit 7 of the index (NMI mask) stays clear, as the
    // rest of the kernel leaves it.
    unsafe {
        outb(INDEX, reg);
        inb(DATA)
    }
}

fn snapshot() -> RtcRaw {
    let century = read(CENTURY);
    RtcRaw {
        sec: read(0x00),
        min: read(0x02),
        hour: read(0x04),
        day: read(0x07),
        month: read(0x08),
        year: read(0x09),
        // 0 or 0xff: no century register there.
        century: (century != 0 && century != 0xff).then_some(century),
        status_b: read(STATUS_B),
    }
}

/// Waits until no update is in progress; false if the flag never clears.
fn wait_update_done() -> bool {
    (0..MAX_POLLS).any(|_| read(STATUS_A) & UIP == 0)
}

/// The RTC's time in seconds since the Unix epoch, `None` if it cannot be read or makes no
/// sense.
pub fn read_unix_seconds() -> Option<i64> {
    let mut last: Option<RtcRaw> = None;
    for _ in 0..8 {
        if !wait_update_done() {
            return None;
        }
        let now = snapshot();
        if last == Some(now) {
            return now.decode().map(|c| c.unix_seconds());
        }
        last = Some(now);
    }
    None
}
