//! kmalloc debugging (`slub_debug` on the kernel command line): the layout of a debug heap
//! block, and the checks of its red zones and of the poison in freed memory. Pure byte-slice
//! logic; the kernel's `mm::redzone` points the slices at heap memory and keeps the registry of
//! live blocks (docs/hardening.md "kmalloc red zones").
//!
//! A request of `size` bytes aligned `align` becomes one block of the list allocator:
//!
//! ```text
//!  outer                       user = outer + lead                user + trailer_end()
//!  | front pad (RED) | header (32 bytes)  | user data (size) | trailer (RED, 8..11) |
//!                    | prev next size magic caller0 caller1 | left red zone: 8 × RED |
//! ```
//!
//! `lead` is 32 rounded up to `align`, so the header always sits directly below the user data
//! and a walk from the user address finds it without knowing the alignment. The trailer runs to
//! `round_up(size + 8, 4)`, also independent of the alignment. `prev`/`next` link the live
//! blocks (user addresses, 0 ends the list) for the self-check's walk.
//!
//! A freed block is filled with [`POISON`] (Linux's `POISON_FREE`, 0x6b). Linux also ends a
//! freed object with `POISON_END` (0xa5); we do not: the list allocator merges free blocks, so
//! an end marker would sit at arbitrary places inside a later, larger block. What the
//! allocator itself writes into free memory is a hole node — two words, `size` then `next` —
//! at the start of every free block, and a merge leaves the absorbed block's node behind (a
//! newer node may overlap half of an older one); the poison check on reuse skips what the
//! caller recognises as such a node.

use core::fmt;

/// Bytes of the header below the user data (fields and the left red zone).
pub const HEADER: usize = 32;
/// Red-zone byte (Linux's `SLUB_RED_ACTIVE`).
pub const RED: u8 = 0xCC;
/// Freed-memory byte (Linux's `POISON_FREE`).
pub const POISON: u8 = 0x6B;
/// A poisoned word.
pub const POISON_WORD: u32 = u32::from_ne_bytes([POISON; 4]);
/// The header's `magic` of a live block.
pub const ALIVE: u32 = 0x5AFE_B10C;
/// Smallest trailer.
const MIN_TRAILER: usize = 8;
/// Offsets of the header fields, from the header's start (`user - HEADER`).
pub const PREV: usize = 0;
/// See [`PREV`].
pub const NEXT: usize = 4;
const SIZE: usize = 8;
const MAGIC: usize = 12;
const CALLERS: usize = 16;
/// Start of the left red zone within the header.
const LEFT_RED: usize = 24;

/// Where the parts of a debug block lie, for a request of `size` bytes aligned `align`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Requested bytes.
    pub size: usize,
    /// Offset of the user data in the outer block.
    pub lead: usize,
    /// Bytes of the outer block.
    pub outer_size: usize,
    /// Alignment of the outer block (at least 4: the header is words).
    pub outer_align: usize,
}

impl Geometry {
    /// The block for `size` bytes aligned `align` (a power of two); `None` if it overflows.
    pub fn new(size: usize, align: usize) -> Option<Geometry> {
        let lead = HEADER.checked_next_multiple_of(align)?;
        let outer_size = lead.checked_add(trailer_end(size)?)?;
        Some(Geometry { size, lead, outer_size, outer_align: align.max(4) })
    }

    /// Offset of the header in the outer block.
    pub fn header(&self) -> usize {
        self.lead - HEADER
    }
}

/// Offset, from the user data, of the end of the trailer of a `size`-byte block.
pub fn trailer_end(size: usize) -> Option<usize> {
    size.checked_add(MIN_TRAILER)?.checked_next_multiple_of(4)
}

/// The header's fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// User address of the previous live block (0: none).
    pub prev: u32,
    /// User address of the next live block (0: none).
    pub next: u32,
    /// Requested bytes.
    pub size: u32,
    /// [`ALIVE`] while allocated.
    pub magic: u32,
    /// Return addresses of the allocation's callers (innermost first).
    pub callers: [u32; 2],
}

fn word(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn put(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

impl Header {
    /// Reads the header from its 32 bytes.
    pub fn read(h: &[u8]) -> Header {
        Header {
            prev: word(h, PREV),
            next: word(h, NEXT),
            size: word(h, SIZE),
            magic: word(h, MAGIC),
            callers: [word(h, CALLERS), word(h, CALLERS + 4)],
        }
    }

    /// Writes the fields and the left red zone into the header's 32 bytes.
    pub fn write(&self, h: &mut [u8]) {
        put(h, PREV, self.prev);
        put(h, NEXT, self.next);
        put(h, SIZE, self.size);
        put(h, MAGIC, self.magic);
        put(h, CALLERS, self.callers[0]);
        put(h, CALLERS + 4, self.callers[1]);
        h[LEFT_RED..HEADER].fill(RED);
    }
}

/// What a check found wrong. Offsets are from the start of the user data (negative: below it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// A red-zone byte was overwritten (an overflow past the end, or below the start).
    RedZone {
        /// Offset of the first wrong byte.
        offset: isize,
        /// Its value.
        found: u8,
    },
    /// The header's magic is not [`ALIVE`]; `POISON_WORD` means the block was already freed.
    Magic {
        /// The value found.
        found: u32,
    },
    /// The block is freed with another size than it was allocated with (or the size field
    /// was overwritten).
    Size {
        /// The header's size.
        recorded: u32,
        /// The size given to `dealloc`.
        freed: usize,
    },
    /// A live block's registry links do not point back at it.
    Link {
        /// The neighbour whose link is wrong.
        neighbour: u32,
    },
    /// Freed memory was written (a use after free): found when the block is handed out again.
    Poison {
        /// Offset of the first wrong byte.
        offset: isize,
        /// Its value.
        found: u8,
    },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Damage::RedZone { offset, found } => {
                let side = if offset < 0 { "left red zone (below the block)" } else { "right red zone (past the end)" };
                write!(f, "{side}: byte at offset {offset} is {found:#04x}, expected {RED:#04x}")
            }
            Damage::Magic { found: POISON_WORD } => write!(f, "the block is already free (double free, header poisoned)"),
            Damage::Magic { found } => write!(f, "header magic is {found:#010x}, expected {ALIVE:#010x} (header overwritten)"),
            Damage::Size { recorded, freed } => {
                write!(f, "freed with size {freed} but allocated with {recorded} (wrong layout or header overwritten)")
            }
            Damage::Link { neighbour } => write!(f, "registry link to/from block {neighbour:#010x} broken (header overwritten)"),
            Damage::Poison { offset, found } => write!(
                f,
                "use after free: byte at offset {offset} of the reused block is {found:#04x}, expected poison {POISON:#04x}"
            ),
        }
    }
}

/// Arms a fresh block: front pad and trailer red, header written. The user data is left alone.
pub fn arm(block: &mut [u8], g: &Geometry, h: &Header) {
    let header = g.header();
    block[..header].fill(RED);
    h.write(&mut block[header..g.lead]);
    block[g.lead + g.size..g.outer_size].fill(RED);
}

/// The first byte of `bytes` that is not `want`, as (index, value).
fn first_wrong(bytes: &[u8], want: u8) -> Option<(usize, u8)> {
    bytes.iter().position(|&b| b != want).map(|i| (i, bytes[i]))
}

fn red(offset_of_first: isize, bytes: &[u8]) -> Result<(), Damage> {
    match first_wrong(bytes, RED) {
        Some((i, found)) => Err(Damage::RedZone { offset: offset_of_first + i as isize, found }),
        None => Ok(()),
    }
}

/// Checks a live block from its header and user data on: magic, left red zone, trailer.
/// `around` is the header, the user data and the trailer (`HEADER + trailer_end(size)` bytes,
/// as far as the header's size says). Returns the header.
pub fn check_live(around: &[u8]) -> Result<Header, Damage> {
    let h = Header::read(&around[..HEADER]);
    if h.magic != ALIVE {
        return Err(Damage::Magic { found: h.magic });
    }
    red(LEFT_RED as isize - HEADER as isize, &around[LEFT_RED..HEADER])?;
    let size = h.size as usize;
    let end = trailer_end(size).filter(|&e| HEADER + e <= around.len()).ok_or(Damage::Size { recorded: h.size, freed: around.len() })?;
    red(size as isize, &around[HEADER + size..HEADER + end])?;
    Ok(h)
}

/// Checks a block being freed with geometry `g`: the front pad, the header (its size must be
/// `g.size`) and the trailer.
pub fn check_free(block: &[u8], g: &Geometry) -> Result<Header, Damage> {
    let header = g.header();
    let h = Header::read(&block[header..g.lead]);
    if h.magic != ALIVE {
        return Err(Damage::Magic { found: h.magic });
    }
    if h.size as usize != g.size {
        return Err(Damage::Size { recorded: h.size, freed: g.size });
    }
    red(-(g.lead as isize), &block[..header])?;
    check_live(&block[header..])
}

/// Fills a freed block with poison.
pub fn poison(block: &mut [u8]) {
    block.fill(POISON);
}

/// Checks that a block about to be handed out is all poison, except the list allocator's hole
/// nodes: where the poison stops, `is_node(size, next)` (with `next` `None` when the block ends
/// after the first word) says whether two words are such a node; they are then skipped. Nodes
/// made four bytes apart overlap, and each newer one overwrites half of the older, so a node
/// may be followed by a run of plausible `next` words (`is_node(8, Some(w))`: older nodes one
/// word further up each, their sizes overwritten) and preceded by a run of plausible sizes
/// (`is_node(w, None)`: older nodes one word further down, their `next` overwritten); those
/// runs are let through too. The block's edges cut nodes as well: a run of `next` words may
/// open the block, a size may close it. `lead` is where the user data will start (for the offsets of the
/// report). The block starts word-aligned.
pub fn check_poison(block: &[u8], lead: usize, is_node: impl Fn(u32, Option<u32>) -> bool) -> Result<(), Damage> {
    let words = block.len() / 4;
    let w = |i: usize| (i < words).then(|| word(block, i * 4));
    let node_at = |i: usize| w(i).is_some_and(|s| is_node(s, w(i + 1)));
    let size_like = |i: usize| w(i).is_some_and(|s| s != POISON_WORD && is_node(s, None));
    // The node ending a run of plausible sizes from word `i` on, if there is one.
    let node_after_sizes = |mut j: usize| {
        while size_like(j) && !node_at(j) {
            j += 1;
        }
        node_at(j).then_some(j)
    };
    // A node may start just below the block: its `next` opens it.
    let (mut i, mut after_node) = (0, true);
    while let Some(v) = w(i) {
        if v == POISON_WORD {
            (i, after_node) = (i + 1, false);
        } else if node_at(i) {
            (i, after_node) = (i + 2, true);
        } else if after_node && is_node(8, Some(v)) {
            i += 1;
        } else if let Some(node) = size_like(i).then(|| node_after_sizes(i)).flatten() {
            i = node;
        } else {
            let (at, found) = first_wrong(&block[i * 4..i * 4 + 4], POISON).expect("invariant: not a poison word");
            return Err(Damage::Poison { offset: (i * 4 + at) as isize - lead as isize, found });
        }
    }
    match first_wrong(&block[words * 4..], POISON) {
        Some((at, found)) => Err(Damage::Poison { offset: (words * 4 + at) as isize - lead as isize, found }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
