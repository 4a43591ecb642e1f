//! The sign-in's executor: [`spawn`] polls a task now, then whenever its waker is woken (the page's promises and
//! timers wake it from their JS callbacks, `crate::promise`). wasm-bindgen-futures' executor queues every wake
//! through `queueMicrotask` with a closure of its own; on the page's single thread a wake can simply poll. Plain
//! Rust, tested natively.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

/// A task [`spawn`] runs, in its place in the table while it is not being polled.
type Task = Pin<Box<dyn Future<Output = ()>>>;

/// A task's place in the table.
enum Place {
    /// Waiting to be woken.
    Idle(Task),
    /// Being polled; `true` once it was woken meanwhile (it is then polled again).
    Running(bool),
    /// Finished, or never used: free for the next task.
    Done,
}

thread_local! {
    static TASKS: RefCell<Vec<Place>> = const { RefCell::new(Vec::new()) };
}

/// Runs `future` to its end: polled now, then whenever something it waits on settles.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    let task: Task = Box::pin(future);
    let id = TASKS.with_borrow_mut(
        |tasks| match tasks.iter().position(|p| matches!(p, Place::Done)) {
            Some(id) => {
                tasks[id] = Place::Idle(task);
                id
            }
            None => {
                tasks.push(Place::Idle(task));
                tasks.len() - 1
            }
        },
    );
    run(id);
}

/// Wakes task `id` by polling it. JS settles the page's promises from its own callbacks, never while a task is being
/// polled; a wake during a poll all the same is remembered, and the task polled again right after.
struct TaskWaker(usize);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        run(self.0);
    }
}

fn run(id: usize) {
    let waker = Waker::from(Arc::new(TaskWaker(id)));
    loop {
        let taken = TASKS.with_borrow_mut(|tasks| {
            let place = tasks.get_mut(id)?;
            match std::mem::replace(place, Place::Running(false)) {
                Place::Idle(task) => Some(task),
                Place::Running(_) => {
                    *place = Place::Running(true);
                    None
                }
                Place::Done => {
                    *place = Place::Done;
                    None
                }
            }
        });
        let Some(mut task) = taken else { return };
        let finished = task.as_mut().poll(&mut Context::from_waker(&waker)).is_ready();
        let again = TASKS.with_borrow_mut(|tasks| {
            let woken = matches!(tasks[id], Place::Running(true));
            tasks[id] = if finished { Place::Done } else { Place::Idle(task) };
            woken && !finished
        });
        if !again {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::Poll;

    use super::*;

    /// A future that is pending until `open` is set, counting its polls and keeping the last waker.
    struct Gate {
        open: Rc<Cell<bool>>,
        polls: Rc<Cell<u32>>,
        waker: Rc<RefCell<Option<Waker>>>,
    }

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            if self.open.get() {
                return Poll::Ready(());
            }
            *self.waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    fn places() -> Vec<&'static str> {
        TASKS.with_borrow(|tasks| {
            tasks
                .iter()
                .map(|p| match p {
                    Place::Idle(_) => "idle",
                    Place::Running(_) => "running",
                    Place::Done => "done",
                })
                .collect()
        })
    }

    #[test]
    fn a_ready_task_runs_at_once_and_frees_its_place() {
        let ran = Rc::new(Cell::new(false));
        let seen = ran.clone();
        spawn(async move { seen.set(true) });
        assert!(ran.get());
        assert_eq!(places(), ["done"]);
        spawn(async {});
        assert_eq!(places(), ["done"], "the place is reused");
    }

    #[test]
    fn a_waiting_task_runs_on_when_woken_and_not_before() {
        let (open, polls, waker) = (Rc::default(), Rc::default(), Rc::new(RefCell::new(None)));
        let gate = Gate {
            open: Rc::clone(&open),
            polls: Rc::clone(&polls),
            waker: Rc::clone(&waker),
        };
        let done = Rc::new(Cell::new(false));
        let finished = done.clone();
        spawn(async move {
            gate.await;
            finished.set(true);
        });
        assert_eq!((polls.get(), done.get()), (1, false));
        assert_eq!(places(), ["idle"]);
        // A second task gets a place of its own.
        let (open2, polls2, waker2) = (Rc::default(), Rc::default(), Rc::new(RefCell::new(None)));
        spawn(Gate {
            open: Rc::clone(&open2),
            polls: Rc::clone(&polls2),
            waker: Rc::clone(&waker2),
        });
        assert_eq!(places(), ["idle", "idle"]);
        open.set(true);
        waker.borrow_mut().take().expect("a waker").wake();
        assert_eq!((polls.get(), done.get()), (2, true));
        assert_eq!(places(), ["done", "idle"]);
        assert_eq!(polls2.get(), 1, "the other task was not polled");
    }

    /// Pending on its first poll after waking itself, ready on the second.
    struct WakesItself(u32);

    impl Future for WakesItself {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.0 += 1;
            if self.0 == 1 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(())
        }
    }

    #[test]
    fn a_wake_during_a_poll_polls_the_task_again() {
        spawn(WakesItself(0));
        assert_eq!(places(), ["done"]);
    }

    #[test]
    fn a_stale_waker_of_a_finished_task_does_nothing() {
        let (open, polls, waker) = (
            Rc::new(Cell::new(true)),
            Rc::default(),
            Rc::new(RefCell::new(None)),
        );
        let gate = Gate {
            open,
            polls: Rc::clone(&polls),
            waker,
        };
        let stale = Waker::from(Arc::new(TaskWaker(0)));
        spawn(gate);
        stale.wake_by_ref();
        Waker::from(Arc::new(TaskWaker(7))).wake();
        assert_eq!(polls.get(), 1);
        assert_eq!(places(), ["done"]);
    }
}
