//! Locks that are safe to take from interrupt handlers.
//!
//! On our single CPU a spinlock taken by an interrupt handler while the interrupted code holds it
//! would spin forever. `IrqMutex` disables interrupts for as long as it is held (restoring the
//! previous state on release), so that can never happen.

use crate::arch::cpu::IrqGuard;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

/// Interrupt-safe locks held right now (one CPU). The scheduler asserts it is zero at a
/// context switch: a lock held across a switch would deadlock the next task that takes it.
pub static HELD: AtomicU32 = AtomicU32::new(0);

/// A spin mutex that keeps interrupts disabled while held.
pub struct IrqMutex<T> {
    inner: spin::Mutex<T>,
}

/// Guard of an [`IrqMutex`]: releases the lock, then restores the interrupt flag.
pub struct IrqMutexGuard<'a, T> {
    // Field order matters: the lock is released before interrupts come back on.
    guard: spin::MutexGuard<'a, T>,
    _irq: IrqGuard,
}

impl<T> IrqMutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    /// Disables interrupts and takes the lock.
    pub fn lock(&self) -> IrqMutexGuard<'_, T> {
        let irq = IrqGuard::new();
        let guard = self.inner.lock();
        HELD.fetch_add(1, Ordering::Relaxed);
        IrqMutexGuard { guard, _irq: irq }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<IrqMutexGuard<'_, T>> {
        let irq = IrqGuard::new();
        let guard = self.inner.try_lock()?;
        HELD.fetch_add(1, Ordering::Relaxed);
        Some(IrqMutexGuard { guard, _irq: irq })
    }

    /// Whether the lock is held right now.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Releases the lock without a guard: only for the panic path, where the holder will never
    /// run again.
    ///
    /// # Safety
    /// No live guard may be used after this call.
    pub unsafe fn force_unlock(&self) {
        // SAFETY: the caller guarantees no guard of this lock is used again.
        unsafe { self.inner.force_unlock() }
    }
}

impl<T> Drop for IrqMutexGuard<'_, T> {
    fn drop(&mut self) {
        HELD.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> Deref for IrqMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for IrqMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
