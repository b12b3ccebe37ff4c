//! The terminal on COM1 (Linux's `tty_struct` + `n_tty` with `console=ttyS0`): the one `Tty`
//! behind init's descriptors 0/1/2, `/dev/console`, `/dev/ttyS0` and `/dev/tty`.
//!
//! **Input.** The UART's receive interrupt (IRQ 4, [`crate::arch::serial`]) only appends to the
//! fixed flip ring and marks input pending; it allocates nothing, takes no task lock and wakes
//! nobody. The line discipline ([`vmcore::tty::ldisc`]: editing, echo, signal characters) runs
//! in process context in [`process_input`], Linux's `flush_to_ldisc`, which then wakes the
//! readers and sends the signals. With no kernel thread yet (the `kworker` of
//! docs/process-model.md), it runs at safe points instead, like a softirq on interrupt exit:
//! at the start of every tty `read`, `poll` and input ioctl; on every return to user mode
//! (from a system call or an interrupt that came from user mode: no kernel lock is held then);
//! and in the idle loop (every task is blocked, so nobody holds one). A key typed while every
//! task sleeps (Ctrl-C during `sleep 10`) is processed when the interrupt wakes the idle task
//! from `hlt`; one typed while a task runs in the kernel, when it returns to user mode or
//! blocks.
//!
//! **Output** (`write`) goes through the line discipline's `OPOST` processing straight to the
//! UART, as the console did; kernel log lines bypass the tty, like `printk`.
//!
//! Lock order: `ldisc` → `flip` (an `IrqMutex`, the only lock the interrupt takes) → the
//! UART's. `ldisc` is never held across a sleep or a user copy.

mod file;
pub mod ioctl;
pub mod job;
mod read;

pub use file::{open, TtyFile, CONSOLE, TTYS0, TTY_DEV};
pub use read::read;

use crate::proc::wait::WaitQueue;
use crate::sync::IrqMutex;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use vmcore::errno::Errno;
use vmcore::tty::flip::FlipBuf;
use vmcore::tty::ldisc::{NTty, Received, Sink};
use vmcore::tty::termios::{Termios, WinSize};

use crate::syscall::uptr::UserBuf;

/// The terminal: raw input, the line discipline with its termios, the window size, the
/// session and foreground group. (Its readers' queue is [`read_wait`].)
pub struct Tty {
    flip: IrqMutex<FlipBuf>,
    ldisc: spin::Mutex<NTty>,
    winsize: spin::Mutex<WinSize>,
    ctrl: spin::Mutex<job::TtyCtrl>,
}

static TTY: Tty = Tty {
    flip: IrqMutex::new(FlipBuf::new()),
    ldisc: spin::Mutex::new(NTty::new(Termios::serial_console())),
    winsize: spin::Mutex::new(WinSize { rows: 0, cols: 0, xpixel: 0, ypixel: 0 }),
    ctrl: spin::Mutex::new(job::TtyCtrl::new()),
};

/// Readers and pollers waiting for input (an `Arc`: poll tables hold it).
static READ_WAIT: spin::Once<Arc<WaitQueue>> = spin::Once::new();

/// The readers' wait queue.
fn read_wait() -> &'static Arc<WaitQueue> {
    READ_WAIT.call_once(|| Arc::new(WaitQueue::new()))
}

/// Wakes the readers (process context).
fn wake_readers() {
    if let Some(q) = READ_WAIT.get() {
        q.wake_all();
    }
}

/// Input is waiting in the flip ring (one load for the safe points).
static PENDING: AtomicBool = AtomicBool::new(false);

/// The UART: echo and output bytes, already processed.
struct Uart;

impl Sink for Uart {
    fn put(&mut self, bytes: &[u8]) {
        crate::arch::serial::write_raw(bytes);
    }
}

/// Turns on the receive interrupt (boot, after the PIC and the scheduler).
pub fn init() {
    read_wait();
    job::init();
    crate::arch::serial::set_rx_hook(on_receive);
    crate::arch::pic::unmask(crate::arch::serial::IRQ);
}

/// The receive interrupt's hook: store and mark pending (the next safe point processes it).
fn on_receive(bytes: &[u8]) {
    TTY.flip.lock().push(bytes);
    PENDING.store(true, Ordering::Release);
}

/// Runs the line discipline over the waiting input (process context), then sends the signals
/// its signal characters raised — after the `ldisc` lock is dropped, since sending takes the
/// task locks.
pub fn process_input() {
    loop {
        let mut signal = None;
        {
            // Another context is processing right now: it will take these bytes too.
            let Some(mut ld) = TTY.ldisc.try_lock() else { return };
            PENDING.store(false, Ordering::Relaxed);
            let mut took = false;
            loop {
                let Some(b) = TTY.flip.lock().peek() else { break };
                match ld.receive(b, &mut Uart) {
                    Received::Full => {
                        // Kept in the ring until a read makes room.
                        PENDING.store(true, Ordering::Relaxed);
                        break;
                    }
                    Received::Done => {}
                    Received::Signal(sig) => signal = Some(sig),
                }
                TTY.flip.lock().pop();
                took = true;
                if signal.is_some() {
                    break;
                }
            }
            if !took && signal.is_none() {
                return;
            }
        }
        wake_readers();
        match signal {
            Some(sig) => job::signal_foreground(sig),
            None => return,
        }
    }
}

/// The safe points (return to user mode, the idle loop): process input if any is waiting.
pub fn run_deferred() {
    if PENDING.load(Ordering::Acquire) {
        process_input();
    }
}

/// `write` on the terminal: `OPOST` processing to the UART (with `TOSTOP`, a background
/// writer gets SIGTTOU first, unless it writes through the console).
pub fn write(buf: UserBuf, console: bool) -> Result<u32, Errno> {
    if !console {
        job::check_write()?;
    }
    let mut chunk = [0u8; 256];
    let mut done = 0u32;
    while done < buf.len() {
        let n = (buf.len() - done).min(chunk.len() as u32) as usize;
        if let Err(e) = buf.read_at(done, &mut chunk[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        TTY.ldisc.lock().output(&chunk[..n], &mut Uart);
        done += n as u32;
    }
    Ok(done)
}

/// Writes kernel bytes through the output processing (`sendfile` to the terminal).
pub fn write_kernel(data: &[u8], console: bool) -> Result<u32, Errno> {
    if !console {
        job::check_write()?;
    }
    TTY.ldisc.lock().output(data, &mut Uart);
    Ok(data.len() as u32)
}

/// Whether a read would not block now (poll's `POLLIN`).
pub fn poll_readable() -> bool {
    process_input();
    TTY.ldisc.lock().readable(true)
}
