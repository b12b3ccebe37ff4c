//! System-wide `/proc` files in Linux's formats, as `free`, `uptime`, `top`, `vmstat` and `ps`
//! read them: meminfo, uptime, loadavg, stat, cpuinfo, vmstat, filesystems, and the
//! `/proc/sys` values a program may ask for.
//!
//! Where Linux keeps accounting we do not have, the field is derived from what we have and
//! says so here: no LRU lists (Active = resident anonymous + page cache, Inactive = 0), no
//! swap (0), no block I/O (Buffers, Dirty, Writeback = 0), no D-state sleeps
//! (procs_blocked = 0).

use crate::mm::{frames, heap};
use crate::mm::trytext::TryText;
use alloc::string::String;
use vmcore::errno::Errno;
use core::fmt::Write;
use vmcore::loadavg::LoadAvg;

/// USER_HZ: the unit of `/proc/stat`'s times.
const USER_HZ: u64 = 100;

fn to_user_hz(ticks: u64) -> u64 {
    ticks * USER_HZ / crate::arch::pit::HZ as u64
}

/// Memory the address spaces hold, in pages: (private resident, shared resident, page tables
/// with the directory) summed over every distinct space.
fn space_totals() -> (u64, u64, u64) {
    let (mut private, mut shared, mut tables) = (0u64, 0u64, 0u64);
    // No room for the list: the fields read 0 (the file is still served).
    for space in crate::proc::distinct_address_spaces().unwrap_or_default() {
        let st = space.stats();
        private += st.p_size as u64;
        shared += st.s_size as u64;
        tables += st.page_tables as u64 + 1;
    }
    (private, shared, tables)
}

/// `MemTotal` in KiB: the frames the allocator manages, reserved ones left out.
pub fn mem_total_kib() -> u64 {
    let c = frames::counters();
    (c.total - c.reserved) as u64 * 4
}

/// `/proc/meminfo`, Linux's field set and order (kB), then our exact counters:
/// `KernelHeap`/`KernelHeapUsed` and `PageCache`.
pub fn meminfo() -> Result<String, Errno> {
    if crate::mm::selfcheck::enabled() {
        // No room for the walk's lists: the check is skipped (said so), the file still read.
        // The walk is the kernel checking itself, not work for the reader: failslab leaves it
        // alone (its lists are not all fallible: docs/failslab.md).
        let checked = crate::mm::inject::kernel_work(|| {
            crate::proc::address_spaces().and_then(|spaces| crate::mm::selfcheck::verify_all(&spaces).map_err(|_| Errno::ENOMEM))
        });
        if checked.is_err() {
            log::warn!("selfcheck: no kernel memory for the consistency walk; skipped");
        }
    }
    let c = frames::counters();
    let h = heap::stats();
    let total = mem_total_kib();
    let free = super::procfs::mem_free_kib();
    let cached = crate::mm::phys::cached_frames() as u64 * 4;
    let (private, shared, tables) = space_totals();
    let anon = private * 4;
    let tasks = crate::proc::sched::with(|s| s.tasks.len() as u64).saturating_sub(1);
    let mut s = TryText::new();
    let mut line = |name: &str, kib: u64| {
        let _ = writeln!(s, "{name}:{:pad$} {:>8} kB", "", kib, pad = 14usize.saturating_sub(name.len()));
    };
    line("MemTotal", total);
    line("MemFree", free);
    line("MemAvailable", free + cached);
    line("Buffers", 0);
    line("Cached", cached);
    line("SwapCached", 0);
    line("Active", anon + cached);
    line("Inactive", 0);
    line("Active(anon)", anon);
    line("Inactive(anon)", 0);
    line("Active(file)", cached);
    line("Inactive(file)", 0);
    let mlocked = super::proc_vm::mlocked_pages() * 4;
    line("Unevictable", mlocked);
    line("Mlocked", mlocked);
    line("HighTotal", 0);
    line("HighFree", 0);
    line("LowTotal", total);
    line("LowFree", free);
    line("SwapTotal", 0);
    line("SwapFree", 0);
    line("Dirty", 0);
    line("Writeback", 0);
    line("AnonPages", anon);
    line("Mapped", shared * 4);
    line("Shmem", c.shared as u64 * 4);
    line("KReclaimable", 0);
    line("Slab", h.used as u64 / 1024);
    line("SReclaimable", 0);
    line("SUnreclaim", h.used as u64 / 1024);
    line("KernelStack", tasks * 16);
    line("PageTables", tables * 4);
    line("NFS_Unstable", 0);
    line("Bounce", 0);
    line("WritebackTmp", 0);
    line("CommitLimit", total / 2);
    line("Committed_AS", anon);
    line("VmallocTotal", (vmcore::layout::VMALLOC_END - vmcore::layout::VMALLOC_START) as u64 / 1024);
    line("VmallocUsed", 0);
    line("VmallocChunk", 0);
    line("Percpu", 0);
    line("HardwareCorrupted", 0);
    line("AnonHugePages", 0);
    line("DirectMap4k", total);
    line("KernelHeap", h.size as u64 / 1024);
    line("KernelHeapUsed", h.used as u64 / 1024);
    line("PageCache", cached);
    s.finish()
}

fn seconds_hundredths(ns: u64) -> (u64, u64) {
    (ns / 1_000_000_000, ns / 10_000_000 % 100)
}

/// `/proc/uptime`: seconds since boot and seconds idle, with hundredths.
pub fn uptime() -> Result<String, Errno> {
    let (up, upc) = seconds_hundredths(crate::arch::clock::monotonic_ns());
    let idle_ns = crate::proc::cpustat::ticks().2 * 1_000_000_000 / crate::arch::pit::HZ as u64;
    let (idle, idlec) = seconds_hundredths(idle_ns);
    crate::try_format!("{up}.{upc:02} {idle}.{idlec:02}\n")
}

/// `/proc/loadavg`: the three averages, running/total tasks, the last pid handed out.
pub fn loadavg() -> Result<String, Errno> {
    let l: LoadAvg = crate::proc::cpustat::load();
    let (total, last) = crate::proc::sched::with(|s| (s.tasks.len().saturating_sub(1), s.last_pid()));
    let mut s = TryText::new();
    for i in 0..3 {
        let (a, b) = l.format(i);
        let _ = write!(s, "{a}.{b:02} ");
    }
    let _ = writeln!(s, "{}/{} {}", crate::proc::cpustat::active(), total, last);
    s.finish()
}

/// `/proc/stat`: CPU times in USER_HZ, context switches, boot time, forks, running tasks.
pub fn stat() -> Result<String, Errno> {
    let (user, system, idle) = crate::proc::cpustat::ticks();
    let (user, system, idle) = (to_user_hz(user), to_user_hz(system), to_user_hz(idle));
    let boot = (crate::arch::clock::realtime_ns() / 1_000_000_000) as u64
        - crate::arch::clock::monotonic_ns() / 1_000_000_000;
    let forks = crate::proc::sched::with(|s| s.pids_issued());
    let switches = crate::proc::sched::SWITCHES.load(core::sync::atomic::Ordering::Relaxed);
    let mut s = TryText::new();
    let _ = writeln!(s, "cpu  {user} 0 {system} {idle} 0 0 0 0 0 0");
    let _ = writeln!(s, "cpu0 {user} 0 {system} {idle} 0 0 0 0 0 0");
    let _ = writeln!(s, "intr {}", crate::arch::pit::ticks());
    let _ = writeln!(s, "ctxt {switches}");
    let _ = writeln!(s, "btime {boot}");
    let _ = writeln!(s, "processes {forks}");
    let _ = writeln!(s, "procs_running {}", crate::proc::cpustat::active().max(1));
    let _ = writeln!(s, "procs_blocked 0");
    let _ = writeln!(s, "softirq 0 0 0 0 0 0 0 0 0 0 0");
    s.finish()
}

/// Linux's names of CPUID leaf 1's EDX bits (`x86_cap_flags`), `""` for unnamed bits.
const EDX1: [&str; 32] = [
    "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep", "mtrr", "pge", "mca", "cmov",
    "pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
];
/// Linux's names of CPUID leaf 1's ECX bits.
const ECX1: [&str; 32] = [
    "pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", "sdbg", "fma",
    "cx16", "xtpr", "pdcm", "", "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer",
    "aes", "xsave", "", "avx", "f16c", "rdrand", "hypervisor",
];

/// `/proc/cpuinfo`: one processor, from CPUID.
pub fn cpuinfo() -> Result<String, Errno> {
    use crate::arch::cpu::cpuid;
    let (max, b, c, d) = cpuid(0, 0);
    let mut vendor = [0u8; 12];
    for (i, r) in [b, d, c].iter().enumerate() {
        vendor[i * 4..i * 4 + 4].copy_from_slice(&r.to_le_bytes());
    }
    let (sig, _, ecx1, edx1) = cpuid(1, 0);
    let base_family = (sig >> 8) & 0xf;
    let family = if base_family == 0xf { base_family + ((sig >> 20) & 0xff) } else { base_family };
    let model = if base_family == 0x6 || base_family == 0xf { ((sig >> 4) & 0xf) | (((sig >> 16) & 0xf) << 4) } else { (sig >> 4) & 0xf };
    let mut name = [0u8; 48];
    let ext_max = cpuid(0x8000_0000, 0).0;
    if ext_max >= 0x8000_0004 {
        for (i, leaf) in (0x8000_0002u32..=0x8000_0004).enumerate() {
            let (a, b, c, d) = cpuid(leaf, 0);
            for (j, r) in [a, b, c, d].iter().enumerate() {
                name[i * 16 + j * 4..i * 16 + j * 4 + 4].copy_from_slice(&r.to_le_bytes());
            }
        }
    }
    let name = core::str::from_utf8(&name).unwrap_or("").trim_end_matches('\0').trim();
    let mut flags = TryText::new();
    for (bits, names) in [(edx1, &EDX1), (ecx1, &ECX1)] {
        for (i, n) in names.iter().enumerate() {
            if bits & (1 << i) != 0 && !n.is_empty() {
                let _ = write!(flags, "{}{n}", if flags.is_empty() { "" } else { " " });
            }
        }
    }
    let mut s = TryText::new();
    let _ = writeln!(s, "processor\t: 0");
    let _ = writeln!(s, "vendor_id\t: {}", core::str::from_utf8(&vendor).unwrap_or("unknown"));
    let _ = writeln!(s, "cpu family\t: {family}");
    let _ = writeln!(s, "model\t\t: {model}");
    let _ = writeln!(s, "model name\t: {}", if name.is_empty() { "unknown" } else { name });
    let _ = writeln!(s, "stepping\t: {}", sig & 0xf);
    let _ = writeln!(s, "fdiv_bug\t: no");
    let _ = writeln!(s, "f00f_bug\t: no");
    let _ = writeln!(s, "coma_bug\t: no");
    let _ = writeln!(s, "fpu\t\t: {}", if edx1 & 1 != 0 { "yes" } else { "no" });
    let _ = writeln!(s, "fpu_exception\t: yes");
    let _ = writeln!(s, "cpuid level\t: {max}");
    let _ = writeln!(s, "wp\t\t: yes");
    let _ = writeln!(s, "flags\t\t: {}", flags.finish()?);
    let _ = writeln!(s, "clflush size\t: {}", ((cpuid(1, 0).1 >> 8) & 0xff) * 8);
    let _ = writeln!(s, "cache_alignment\t: 64");
    let _ = writeln!(s, "address sizes\t: 32 bits physical, 32 bits virtual");
    let _ = writeln!(s, "power management:\n");
    s.finish()
}

/// `/proc/vmstat`: the counters we keep, under Linux's names.
pub fn vmstat() -> Result<String, Errno> {
    let c = frames::counters();
    let (private, shared, tables) = space_totals();
    let mut s = TryText::new();
    let mut line = |name: &str, v: u64| {
        let _ = writeln!(s, "{name} {v}");
    };
    line("nr_free_pages", c.free as u64);
    line("nr_anon_pages", private);
    line("nr_mapped", shared);
    line("nr_file_pages", crate::mm::phys::cached_frames() as u64);
    line("nr_shmem", c.shared as u64);
    line("nr_page_table_pages", tables);
    line("pgfault", crate::proc::usage::faults_total() as u64);
    line("pgmajfault", 0);
    line("pswpin", 0);
    line("pswpout", 0);
    s.finish()
}

/// `/proc/filesystems`: the file system types `mount` knows.
pub fn filesystems() -> Result<String, Errno> {
    crate::try_format!("nodev\tproc\nnodev\ttmpfs\nnodev\tdevtmpfs\n")
}

/// `/proc/sys/...` values (read-only here), by their path below `/proc/sys`.
pub fn sysctl(path: &[&str]) -> Option<String> {
    let value = match path {
        ["kernel", "ostype"] => String::from(crate::syscall::SYSNAME),
        ["kernel", "osrelease"] => String::from(env!("CARGO_PKG_VERSION")),
        ["kernel", "hostname"] => crate::syscall::hostname(),
        ["kernel", "pid_max"] => String::from("32768"),
        ["kernel", "threads-max"] => alloc::format!("{}", crate::proc::tasklimit::max_threads()),
        ["vm", "overcommit_memory"] => String::from("0"),
        ["vm", "max_map_count"] => alloc::format!("{}", crate::syscall::max_map_count()),
        // The lowest address a mapping may take (Linux's default is 65536; ours starts at
        // USER_START, the first 4 MiB being unmapped).
        ["vm", "mmap_min_addr"] => alloc::format!("{}", vmcore::layout::USER_START),
        _ => return None,
    };
    Some(value + "\n")
}

/// The entries of a `/proc/sys` directory.
pub fn sysctl_dir(path: &[&str]) -> Option<&'static [&'static str]> {
    match path {
        [] => Some(&["kernel", "vm"]),
        ["kernel"] => Some(&["hostname", "osrelease", "ostype", "pid_max", "randomize_va_space", "threads-max"]),
        ["vm"] => Some(&["max_map_count", "mmap_min_addr", "overcommit_memory"]),
        _ => None,
    }
}
