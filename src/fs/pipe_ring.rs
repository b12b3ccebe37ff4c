//! The data of a pipe: a ring of up to 16 page frames (Linux's `pipe->bufs`, `head`, `tail`,
//! `tmp_page`), with the counts of its open ends. Everything here runs under the pipe's spin
//! lock and never touches user memory: frames are reached through a temporary mapping only
//! while their bytes move to or from a kernel buffer.

use crate::mm::frames;
use crate::mm::tempmap::TempMap;
use vmcore::addr::Frame;
use vmcore::errno::Errno;

/// Bytes per frame.
pub const PAGE: usize = 4096;
/// Slots of the ring (`PIPE_DEF_BUFFERS`): 64 KiB.
pub const SLOTS: usize = 16;

/// One used slot: `len` bytes at `offset` in `frame`.
struct Buf {
    frame: Frame,
    offset: u16,
    len: u16,
    /// A later small write may append here (`PIPE_BUF_FLAG_CAN_MERGE`).
    can_merge: bool,
    /// Written in packet mode (`O_DIRECT`): read whole, the rest discarded.
    packet: bool,
}

/// A pipe's buffers and ends.
pub struct Ring {
    bufs: [Option<Buf>; SLOTS],
    head: u32,
    tail: u32,
    /// One drained frame kept for the next write (Linux's `tmp_page`).
    spare: Option<Frame>,
    /// Open ends reading.
    pub readers: u32,
    /// Open ends writing.
    pub writers: u32,
    /// Opens for reading ever (a FIFO opener waits for it to change).
    pub r_counter: u32,
    /// Opens for writing ever.
    pub w_counter: u32,
}

/// Frames taken out of a ring, freed once its lock is dropped.
pub struct Drained([Option<Frame>; SLOTS + 1]);

impl Drained {
    /// Gives the frames back.
    pub fn free(self) {
        for f in self.0.into_iter().flatten() {
            frames::free(f);
        }
    }
}

impl Ring {
    /// Empty, no ends.
    pub const fn new() -> Ring {
        Ring { bufs: [const { None }; SLOTS], head: 0, tail: 0, spare: None, readers: 0, writers: 0, r_counter: 0, w_counter: 0 }
    }

    fn used(&self) -> u32 {
        self.head.wrapping_sub(self.tail)
    }

    /// No data.
    pub fn is_empty(&self) -> bool {
        self.used() == 0
    }

    /// Every slot used.
    pub fn is_full(&self) -> bool {
        self.used() as usize >= SLOTS
    }

    /// Bytes waiting.
    pub fn bytes(&self) -> u32 {
        self.bufs.iter().flatten().map(|b| b.len as u32).sum()
    }

    fn last(&mut self) -> Option<&mut Buf> {
        if self.is_empty() {
            return None;
        }
        self.bufs[self.head.wrapping_sub(1) as usize % SLOTS].as_mut()
    }

    /// Whether `n` bytes fit after the data of the last slot.
    pub fn can_merge(&self, n: usize) -> bool {
        if self.is_empty() {
            return false;
        }
        match &self.bufs[self.head.wrapping_sub(1) as usize % SLOTS] {
            Some(b) => b.can_merge && b.offset as usize + b.len as usize + n <= PAGE,
            None => false,
        }
    }

    /// Appends `data` to the last slot (after [`Ring::can_merge`]).
    pub fn merge(&mut self, data: &[u8]) {
        let b = self.last().expect("invariant: merge after can_merge");
        let at = b.offset as usize + b.len as usize;
        TempMap::new(b.frame).bytes()[at..at + data.len()].copy_from_slice(data);
        b.len += data.len() as u16;
    }

    /// Puts `data` (at most a page) in a new slot (the ring is not full). `ENOMEM` without a
    /// frame.
    pub fn push(&mut self, data: &[u8], can_merge: bool) -> Result<(), Errno> {
        debug_assert!(!self.is_full() && data.len() <= PAGE);
        let frame = match self.spare.take() {
            Some(f) => f,
            None => frames::alloc().ok_or(Errno::ENOMEM)?,
        };
        TempMap::new(frame).bytes()[..data.len()].copy_from_slice(data);
        self.bufs[self.head as usize % SLOTS] =
            Some(Buf { frame, offset: 0, len: data.len() as u16, can_merge, packet: !can_merge });
        self.head = self.head.wrapping_add(1);
        Ok(())
    }

    /// Moves the oldest bytes into `out`: returns how many, and whether a packet ended there
    /// (the read stops after one).
    pub fn take(&mut self, out: &mut [u8]) -> (usize, bool) {
        let mut got = 0;
        while got < out.len() && !self.is_empty() {
            let slot = self.tail as usize % SLOTS;
            let b = self.bufs[slot].as_mut().expect("invariant: slots between tail and head are used");
            let n = (b.len as usize).min(out.len() - got);
            let at = b.offset as usize;
            out[got..got + n].copy_from_slice(&TempMap::new(b.frame).bytes()[at..at + n]);
            got += n;
            b.offset += n as u16;
            b.len -= n as u16;
            let packet = b.packet;
            if packet {
                b.len = 0;
            }
            if b.len == 0 {
                let frame = self.bufs[slot].take().expect("invariant: just used").frame;
                self.tail = self.tail.wrapping_add(1);
                if self.spare.is_none() {
                    self.spare = Some(frame);
                } else {
                    frames::free(frame);
                }
            }
            if packet {
                return (got, true);
            }
        }
        (got, false)
    }

    /// Empties the ring, spare frame included.
    pub fn take_all(&mut self) -> Drained {
        let mut out = [None; SLOTS + 1];
        for (i, b) in self.bufs.iter_mut().enumerate() {
            out[i] = b.take().map(|b| b.frame);
        }
        out[SLOTS] = self.spare.take();
        self.tail = self.head;
        Drained(out)
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        self.take_all().free();
    }
}
