//! Support for kernel-mode tests of address spaces: make a space the current one for the
//! running (idle) task, as if a process were running, so that kernel code touching user
//! addresses goes through the real page-fault path.

use crate::mm::aspace::{self, AddressSpace};
use alloc::sync::Arc;

/// Makes `space` current (the running task's space, loaded in CR3); returns the previous one.
pub fn activate(space: &Arc<AddressSpace>) -> Option<Arc<AddressSpace>> {
    let prev = crate::proc::current().inner.lock().aspace.replace(space.clone());
    space.activate();
    prev
}

/// Returns the running task to the kernel's directory and no address space.
pub fn deactivate() {
    aspace::activate_kernel();
    let prev = crate::proc::current().inner.lock().aspace.take();
    drop(prev);
}
/// Keeps a space active for a test; deactivates on drop, so a test that fails early does not
/// leave its space loaded for the next one.
pub struct Session(());

impl Session {
    /// Activates `space` until the session drops.
    pub fn new(space: &Arc<AddressSpace>) -> Self {
        activate(space);
        Session(())
    }

    /// Switches the session to another space.
    pub fn switch(&self, space: &Arc<AddressSpace>) {
        activate(space);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        deactivate();
    }
}
