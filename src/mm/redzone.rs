//! kmalloc debugging, on with `slub_debug` on the command line (like Linux's SLUB option):
//! every heap block gets a header and red zones (`vmcore::redzone`: the layout and the byte
//! checks), freed blocks are poisoned and the poison is checked when the memory is handed out
//! again, and the live blocks are linked through their headers into a [`Registry`] that the
//! self-check walks. Design: docs/hardening.md "kmalloc red zones".
//!
//! Checks return a typed [`Violation`]; the heap panics with it (the decoded report: block,
//! size, damaged byte, the allocation's callers), and the kernel tests run the same checks on
//! blocks of their own without panicking.
//!
//! Off, the cost is one load of [`enabled`] on the allocation and free paths. The option is
//! read before the heap's first allocation and never changes, so every block of a run has the
//! same layout.

use crate::symbols::Symbol;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use vmcore::redzone::{self, Damage, Geometry, Header, ALIVE, HEADER, NEXT, PREV};

static ON: AtomicBool = AtomicBool::new(false);

/// Reads `slub_debug` from the command line (before the heap's first allocation).
pub fn init() {
    if crate::cmdline::get("slub_debug").is_some() {
        ON.store(true, Ordering::Relaxed);
    }
}

/// Whether heap blocks carry red zones.
#[inline(always)]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// A damaged block, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// User address of the block.
    pub block: u32,
    /// Its requested size (as far as known).
    pub size: u32,
    /// Return addresses of the allocation's callers (0: unknown).
    pub callers: [u32; 2],
    /// What is wrong.
    pub damage: Damage,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kmalloc debug: block {:#010x} ({} bytes): {}", self.block, self.size, self.damage)?;
        let mut sep = "; allocated from";
        for &c in self.callers.iter().filter(|&&c| c != 0) {
            write!(f, "{sep} {c:#010x} {}", Symbol(c.wrapping_sub(1)))?;
            sep = ", called from";
        }
        Ok(())
    }
}

/// The heap's extent, to recognise the list allocator's hole nodes in freed memory.
#[derive(Clone, Copy)]
pub struct Bounds {
    /// First heap byte.
    pub start: u32,
    /// One past the last.
    pub top: u32,
}

impl Bounds {
    /// Whether a block with user address `user` can lie in the heap (its header inside).
    fn holds_block(&self, user: u32) -> bool {
        user % 4 == 0 && user >= self.start.saturating_add(HEADER as u32) && user < self.top
    }

    /// Whether `size, next` can be a hole node of this heap.
    fn is_node(&self, size: u32, next: Option<u32>) -> bool {
        let inside = |a: u32| a % 4 == 0 && (self.start..self.top).contains(&a);
        size % 4 == 0 && size >= 8 && size <= self.top - self.start && next.is_none_or(|n| n == 0 || inside(n))
    }
}

/// The first two return addresses above the allocator (into `alloc::alloc`'s caller — often
/// `RawVec`'s growth — and its caller), for the report; `make symbolize` expands the inlining.
#[inline(always)]
pub fn callers() -> [u32; 2] {
    let mut out = [0u32; 2];
    let mut n = 0usize;
    crate::arch::backtrace::walk_upto(crate::arch::backtrace::current_ebp(), out.len(), |ret| {
        if let Some(slot) = out.get_mut(n) {
            *slot = ret;
        }
        n += 1;
    });
    out
}

/// The live debug blocks, linked through their headers (user addresses; 0 ends the list).
/// Kept in the heap's locked state, or by a test for blocks of its own.
pub struct Registry {
    head: u32,
    count: usize,
}

/// The header of the block at user address `user`, as a mutable byte slice.
///
/// # Safety
/// `user - HEADER .. user` is mapped heap memory that no one else accesses meanwhile.
unsafe fn header<'a>(user: u32) -> &'a mut [u8] {
    // SAFETY: the caller guarantees the 32 bytes below `user` are mapped and ours.
    unsafe { core::slice::from_raw_parts_mut((user as usize - HEADER) as *mut u8, HEADER) }
}

/// Sets one link word of the header of `user` (`PREV` or `NEXT`).
///
/// # Safety
/// As for [`header`].
unsafe fn set_link(user: u32, field: usize, to: u32) {
    // SAFETY: passed on from the caller.
    let h = unsafe { header(user) };
    h[field..field + 4].copy_from_slice(&to.to_le_bytes());
}

impl Registry {
    /// An empty registry.
    pub const fn new() -> Registry {
        Registry { head: 0, count: 0 }
    }

    /// Hands out the fresh block `outer` of geometry `g`: checks that the memory is still
    /// poisoned (nothing wrote it while free), arms the red zones, links it. Returns the user
    /// pointer.
    ///
    /// # Safety
    /// `outer` is a block of `g.outer_size` bytes, aligned `g.outer_align`, just taken from the
    /// allocator (or an arena of the caller's) and used by nothing else; the registry is not
    /// touched concurrently.
    pub unsafe fn admit(&mut self, outer: *mut u8, g: &Geometry, callers: [u32; 2], bounds: Bounds) -> Result<*mut u8, Violation> {
        // SAFETY: the caller hands us `g.outer_size` bytes at `outer`, exclusively.
        let block = unsafe { core::slice::from_raw_parts_mut(outer, g.outer_size) };
        let user = outer as u32 + g.lead as u32;
        let damage = |damage| Violation { block: user, size: g.size as u32, callers: [0; 2], damage };
        redzone::check_poison(block, g.lead, |s, n| bounds.is_node(s, n)).map_err(damage)?;
        let h = Header { prev: 0, next: self.head, size: g.size as u32, magic: ALIVE, callers };
        redzone::arm(block, g, &h);
        if self.head != 0 {
            // SAFETY: the head is a live block of the registry: its header is mapped and ours.
            unsafe { set_link(self.head, PREV, user) };
        }
        self.head = user;
        self.count += 1;
        Ok(user as *mut u8)
    }

    /// Takes back the block at `user` being freed with geometry `g`: checks its red zones and
    /// header, unlinks it and poisons it. Returns the outer block to give the allocator.
    ///
    /// # Safety
    /// `user` was returned by [`admit`](Self::admit) of this registry with a geometry of the
    /// same alignment (a double free is reported, provided the memory is still heap).
    pub unsafe fn release(&mut self, user: *mut u8, g: &Geometry, bounds: Bounds) -> Result<*mut u8, Violation> {
        let outer = (user as usize - g.lead) as *mut u8;
        // SAFETY: per the caller, `outer` starts the block of `g.outer_size` bytes we admitted.
        let block = unsafe { core::slice::from_raw_parts_mut(outer, g.outer_size) };
        let at = user as u32;
        let h = redzone::check_free(block, g).map_err(|damage| {
            // An intact header still names the allocation's callers.
            let h = Header::read(&block[g.header()..g.lead]);
            let callers = if h.magic == ALIVE { h.callers } else { [0; 2] };
            Violation { block: at, size: g.size as u32, callers, damage }
        })?;
        self.check_links(at, &h, bounds)?;
        match h.prev {
            0 => self.head = h.next,
            // SAFETY: as above.
            p => unsafe { set_link(p, NEXT, h.next) },
        }
        if h.next != 0 {
            // SAFETY: as above.
            unsafe { set_link(h.next, PREV, h.prev) };
        }
        self.count -= 1;
        redzone::poison(block);
        Ok(outer)
    }

    /// Checks that the neighbours of block `at` (header `h`) link back to it.
    fn check_links(&self, at: u32, h: &Header, bounds: Bounds) -> Result<(), Violation> {
        let broken = |neighbour| Violation { block: at, size: h.size, callers: h.callers, damage: Damage::Link { neighbour } };
        let prev_ok = match h.prev {
            0 => self.head == at,
            p if bounds.holds_block(p) => {
                // SAFETY: a live registry block inside the heap: mapped and ours under the lock.
                Header::read(unsafe { header(p) }).next == at
            }
            _ => false,
        };
        if !prev_ok {
            return Err(broken(h.prev));
        }
        let next_ok = match h.next {
            0 => true,
            n if bounds.holds_block(n) => {
                // SAFETY: as for `prev`.
                Header::read(unsafe { header(n) }).prev == at
            }
            _ => false,
        };
        if !next_ok {
            return Err(broken(h.next));
        }
        Ok(())
    }

    /// Walks every live block: header, left red zone, trailer, links. Returns how many.
    pub fn verify(&self, bounds: Bounds) -> Result<usize, Violation> {
        let (mut at, mut prev, mut seen) = (self.head, 0u32, 0usize);
        while at != 0 {
            let violation = |size, callers, damage| Violation { block: at, size, callers, damage };
            if seen == self.count || !bounds.holds_block(at) {
                return Err(violation(0, [0; 2], Damage::Link { neighbour: prev }));
            }
            // SAFETY: `at` is a registry block (the head, or the checked `next` of one): live,
            // mapped, and only read here under the registry's lock.
            let h = Header::read(unsafe { header(at) });
            if h.magic != ALIVE {
                return Err(violation(0, [0; 2], Damage::Magic { found: h.magic }));
            }
            let len = HEADER + redzone::trailer_end(h.size as usize).unwrap_or(0);
            // SAFETY: an intact header's size spans the block's user data and trailer, all
            // inside the block; read-only.
            let around = unsafe { core::slice::from_raw_parts((at as usize - HEADER) as *const u8, len) };
            redzone::check_live(around).map_err(|d| violation(h.size, h.callers, d))?;
            if h.prev != prev {
                return Err(violation(h.size, h.callers, Damage::Link { neighbour: h.prev }));
            }
            (prev, at, seen) = (at, h.next, seen + 1);
        }
        Ok(seen)
    }
}
