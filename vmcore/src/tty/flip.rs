//! The flip buffer: raw input bytes from the UART's interrupt, waiting for the line discipline
//! (Linux's `tty_buffer`, here one fixed ring: the interrupt never allocates). When it is full
//! the newest bytes are dropped and counted, as a UART overrun would lose them.

/// Bytes the ring holds.
pub const FLIP_SIZE: usize = 4096;

/// A fixed ring of received bytes.
pub struct FlipBuf {
    bytes: [u8; FLIP_SIZE],
    head: usize,
    tail: usize,
    /// Bytes dropped because the ring was full.
    pub overruns: u64,
}

impl Default for FlipBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl FlipBuf {
    /// An empty ring.
    pub const fn new() -> Self {
        Self { bytes: [0; FLIP_SIZE], head: 0, tail: 0, overruns: 0 }
    }

    /// Appends received bytes; those that do not fit are dropped (counted in `overruns`).
    pub fn push(&mut self, input: &[u8]) {
        for &b in input {
            if self.len() == FLIP_SIZE {
                self.overruns += 1;
                continue;
            }
            self.bytes[self.head % FLIP_SIZE] = b;
            self.head = self.head.wrapping_add(1);
        }
    }

    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.head.wrapping_sub(self.tail)
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest waiting byte, left in place.
    pub fn peek(&self) -> Option<u8> {
        (!self.is_empty()).then(|| self.bytes[self.tail % FLIP_SIZE])
    }

    /// Removes the oldest waiting byte.
    pub fn pop(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.tail = self.tail.wrapping_add(1);
        Some(b)
    }

    /// Drops everything waiting (`TCFLSH` of the input).
    pub fn clear(&mut self) {
        self.tail = self.head;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_and_overrun() {
        let mut f = FlipBuf::new();
        assert_eq!(f.pop(), None);
        f.push(b"abc");
        assert_eq!(f.peek(), Some(b'a'));
        assert_eq!(f.pop(), Some(b'a'));
        assert_eq!(f.len(), 2);
        let big = [7u8; FLIP_SIZE];
        f.push(&big);
        assert_eq!(f.len(), FLIP_SIZE);
        assert_eq!(f.overruns, 2);
        assert_eq!(f.pop(), Some(b'b'));
        assert_eq!(f.pop(), Some(b'c'));
        assert_eq!(f.pop(), Some(7));
        f.clear();
        assert!(f.is_empty());
    }
}
