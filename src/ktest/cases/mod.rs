//! The kernel's test cases, one file per area.

mod faults;
mod foundation;
