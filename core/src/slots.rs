//! A table of awaited JS promises, by slot number: the plain part of awaiting a promise from Rust with one
//! callback made once (the edge worker's `edge/src/promise.rs`, the landing page's `web-client/src/promise.rs`), instead
//! of wasm-bindgen-futures' two closures per promise. JS settles slot `n`; the table wakes the task that waits on it.
//! Plain Rust, tested natively; the glue that hands JS the callback lives in each adapter.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread::LocalKey;

/// One promise's slot.
enum Slot<T> {
    /// Unused, and listed as free.
    Free,
    /// Not settled yet; the waker of the task that polled it last.
    Pending(Option<Waker>),
    /// Settled, and not taken yet.
    Settled(T),
    /// The future was dropped before its promise settled: freed when it settles.
    Abandoned,
}

/// What polling a slot finds.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled<T> {
    /// Not settled: the waker is kept and will be woken.
    Pending,
    /// Settled: the value, and the slot is free again.
    Ready(T),
}

/// The table of promises being awaited, indexed by the slot number JS hands back. Slots are reused, so the table
/// is as long as the most promises awaited at once.
pub struct Slots<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots::new()
    }
}

impl<T> Slots<T> {
    /// An empty table (`const`: a `thread_local!` needs no lazy initialisation for it).
    pub const fn new() -> Self {
        Slots {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slots<T> {
    /// A new pending slot's number.
    pub fn open(&mut self) -> u32 {
        match self.free.pop() {
            Some(n) => {
                self.slots[n as usize] = Slot::Pending(None);
                n
            }
            None => {
                self.slots.push(Slot::Pending(None));
                // The table never holds 2^32 promises: each pending one is a live JS promise.
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        }
    }

    /// The promise of slot `n` settled with `value`: returns the waker to wake, if a task is waiting. A slot that
    /// is not pending (a number JS made up, or settled twice) is left alone.
    pub fn settle(&mut self, n: u32, value: T) -> Option<Waker> {
        let slot = self.slots.get_mut(n as usize)?;
        match std::mem::replace(slot, Slot::Free) {
            Slot::Pending(waker) => {
                *slot = Slot::Settled(value);
                waker
            }
            Slot::Abandoned => {
                self.free.push(n);
                None
            }
            other => {
                *slot = other;
                None
            }
        }
    }

    /// Polls slot `n` for the task of `waker`.
    pub fn poll(&mut self, n: u32, waker: &Waker) -> Polled<T> {
        let Some(slot) = self.slots.get_mut(n as usize) else {
            return Polled::Pending;
        };
        match std::mem::replace(slot, Slot::Free) {
            Slot::Settled(value) => {
                self.free.push(n);
                Polled::Ready(value)
            }
            Slot::Pending(Some(old)) if old.will_wake(waker) => {
                *slot = Slot::Pending(Some(old));
                Polled::Pending
            }
            Slot::Pending(_) => {
                *slot = Slot::Pending(Some(waker.clone()));
                Polled::Pending
            }
            other => {
                *slot = other;
                Polled::Pending
            }
        }
    }

    /// The future of slot `n` was dropped: a settled slot is freed now, a pending one when it settles.
    pub fn abandon(&mut self, n: u32) {
        let Some(slot) = self.slots.get_mut(n as usize) else {
            return;
        };
        match slot {
            Slot::Pending(_) => *slot = Slot::Abandoned,
            Slot::Settled(_) => {
                *slot = Slot::Free;
                self.free.push(n);
            }
            Slot::Free | Slot::Abandoned => {}
        }
    }

    /// Slots in use (pending, settled or abandoned).
    pub fn in_use(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

/// The future of one slot of a thread's table: ready with the value JS settles the slot with. Dropped before that,
/// it leaves the slot to be freed when the promise settles ([`Slots::abandon`]).
pub struct Waiting<T: 'static> {
    table: &'static LocalKey<RefCell<Slots<T>>>,
    slot: u32,
    done: bool,
}

impl<T> Waiting<T> {
    /// Opens a slot in `table` and waits on it; hand JS [`Waiting::slot`] to settle.
    pub fn open(table: &'static LocalKey<RefCell<Slots<T>>>) -> Self {
        let slot = table.with_borrow_mut(Slots::open);
        Waiting {
            table,
            slot,
            done: false,
        }
    }

    /// The slot's number.
    pub fn slot(&self) -> u32 {
        self.slot
    }
}

impl<T> Future for Waiting<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self
            .table
            .with_borrow_mut(|slots| slots.poll(self.slot, cx.waker()))
        {
            Polled::Ready(value) => {
                self.done = true;
                Poll::Ready(value)
            }
            Polled::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for Waiting<T> {
    fn drop(&mut self) {
        if !self.done {
            self.table.with_borrow_mut(|slots| slots.abandon(self.slot));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn a_settled_promise_wakes_its_task_once_and_hands_over_its_value() {
        let mut slots = Slots::default();
        let (count, w) = waker();
        let n = slots.open();
        assert_eq!(slots.poll(n, &w), Polled::Pending);
        slots.settle(n, "yes").expect("a waiting task").wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(slots.poll(n, &w), Polled::Ready("yes"));
        assert_eq!(slots.in_use(), 0);
    }

    #[test]
    fn a_promise_settled_before_the_first_poll_is_ready_at_once() {
        let mut slots = Slots::default();
        let (_, w) = waker();
        let n = slots.open();
        assert!(slots.settle(n, 7).is_none(), "no task polled it yet");
        assert_eq!(slots.poll(n, &w), Polled::Ready(7));
    }

    #[test]
    fn slots_are_reused_and_never_mixed_up() {
        let mut slots = Slots::default();
        let (_, w) = waker();
        let (a, b) = (slots.open(), slots.open());
        assert_ne!(a, b);
        slots.settle(b, "b");
        assert_eq!(slots.poll(b, &w), Polled::Ready("b"));
        let c = slots.open();
        assert_eq!(c, b, "b's slot is free again");
        assert_eq!(slots.poll(a, &w), Polled::Pending);
        assert_eq!(slots.poll(c, &w), Polled::Pending);
        slots.settle(a, "a");
        assert_eq!(slots.poll(c, &w), Polled::Pending, "a's value is not c's");
        assert_eq!(slots.poll(a, &w), Polled::Ready("a"));
    }

    #[test]
    fn a_dropped_future_frees_its_slot_when_its_promise_settles_and_never_hands_the_value_on() {
        let mut slots = Slots::default();
        let (count, w) = waker();
        let n = slots.open();
        assert_eq!(slots.poll(n, &w), Polled::Pending);
        slots.abandon(n);
        assert_eq!(slots.in_use(), 1, "still watched by JS");
        assert!(slots.settle(n, 1).is_none(), "nobody to wake");
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        assert_eq!(slots.in_use(), 0);
        let m = slots.open();
        assert_eq!(m, n);
        assert_eq!(slots.poll(m, &w), Polled::Pending, "the new slot starts pending");
    }

    #[test]
    fn a_settled_but_untaken_value_is_dropped_with_its_future() {
        let mut slots = Slots::default();
        let n = slots.open();
        slots.settle(n, 1);
        slots.abandon(n);
        assert_eq!(slots.in_use(), 0);
    }

    #[test]
    fn unknown_or_repeated_settles_change_nothing() {
        let mut slots = Slots::default();
        let (_, w) = waker();
        assert!(slots.settle(3, 1).is_none());
        let n = slots.open();
        slots.settle(n, 1);
        assert!(slots.settle(n, 2).is_none());
        assert_eq!(slots.poll(n, &w), Polled::Ready(1), "the first value stands");
        assert!(slots.settle(n, 3).is_none(), "a free slot is not settled");
        assert_eq!(slots.in_use(), 0);
        assert_eq!(slots.poll(9, &w), Polled::Pending);
    }

    thread_local! {
        static TABLE: RefCell<Slots<&'static str>> = const { RefCell::new(Slots::new()) };
    }

    #[test]
    fn a_waiting_future_is_ready_with_its_slots_value_and_frees_it() {
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        let mut waiting = std::pin::pin!(Waiting::open(&TABLE));
        assert_eq!(waiting.as_mut().poll(&mut cx), Poll::Pending);
        let n = waiting.slot();
        TABLE
            .with_borrow_mut(|t| t.settle(n, "done"))
            .expect("the task's waker")
            .wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(waiting.as_mut().poll(&mut cx), Poll::Ready("done"));
        assert_eq!(TABLE.with_borrow(Slots::in_use), 0);
    }

    #[test]
    fn a_dropped_waiting_future_leaves_its_slot_to_be_freed_when_it_settles() {
        let n = {
            let waiting = Waiting::open(&TABLE);
            waiting.slot()
        };
        assert_eq!(TABLE.with_borrow(Slots::in_use), 1, "JS still holds the slot");
        assert!(TABLE.with_borrow_mut(|t| t.settle(n, "late")).is_none());
        assert_eq!(TABLE.with_borrow(Slots::in_use), 0);
    }
}
