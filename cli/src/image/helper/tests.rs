//! The helper's bookkeeping: running means, trials, rests, the queue's bounds.

use super::*;

#[test]
fn the_mean_follows_recent_images() {
    let mut m = Mean::default();
    m.add(2e6, 1);
    assert_eq!(m.ms(), 2.0);
    m.add(4e6, 1);
    assert!((m.ms() - 3.0).abs() < 1e-9, "{}", m.ms());
    for _ in 0..1000 {
        m.add(1e6, 1);
    }
    assert!((m.ms() - 1.0).abs() < 0.01, "{}", m.ms());
    // A batch of 64 replaces the mean.
    m.add(64.0 * 5e6, 64);
    assert!((m.ms() - 5.0).abs() < 1e-9, "{}", m.ms());
}

fn state() -> State {
    match Arc::try_unwrap(Shared::new(Phase::Starting, false, Probes::All)) {
        Ok(shared) => shared.state.into_inner().unwrap(),
        Err(_) => unreachable!(),
    }
}

#[test]
fn a_gpu_that_costs_more_than_the_cpu_rests_and_tries_again() {
    let mut s = state();
    s.cpu.add(1e6, 1);
    let now = Instant::now();
    // The first images are a trial, taken whatever the costs.
    for _ in 0..TRIAL {
        assert!(s.accepts(1, now));
    }
    assert!(
        !s.accepts(1, now),
        "nothing more before the trial is measured"
    );
    s.measured(3e6 * TRIAL as f64, TRIAL, false);
    assert!(!s.paying);
    assert!(!s.accepts(1, Instant::now()));
    // After the rest, a new trial; losing again doubles the rest.
    let later = Instant::now() + RETRY + Duration::from_millis(1);
    assert!(s.accepts(1, later));
    assert_eq!(s.trial_left, RETRIAL - 1);
    assert_eq!(s.rest, RETRY * 2);
    s.measured(3e6, 1, false);
    let until = s.resting_until.expect("resting again");
    assert!(until >= Instant::now() + RETRY * 2 - Duration::from_millis(50));
    assert_eq!(s.rest, RETRY * 4);
    // A win (here a whole batch far cheaper than the CPU) resets the rest.
    s.resting_until = None;
    s.measured(0.1e6 * 64.0, 64, false);
    assert!(s.paying);
    assert_eq!(s.rest, RETRY);
}

#[test]
fn a_gpu_that_costs_less_keeps_taking_while_the_queue_has_room() {
    let mut s = state();
    s.cpu.add(1e6, 1);
    s.trial_left = 0;
    s.measured(0.2e6, 1, false);
    assert!(s.paying);
    let now = Instant::now();
    assert!(s.accepts(QUEUE_BYTES, now), "one image always fits");
    s.queue.push_back(Job {
        id: 0,
        decoded: Arc::new(dummy()),
    });
    s.queued_bytes = QUEUE_BYTES;
    assert!(!s.accepts(1, now), "the queue is full of bytes");
}

fn dummy() -> Decoded {
    Decoded {
        data: vec![0; 3],
        layout: lookalike_core::PixelLayout::Rgb8,
        width: 1,
        height: 1,
        full_width: 1,
        full_height: 1,
        format: crate::store::Format::Png,
        reservation: None,
    }
}

/// A helper whose GPU is "ready" but has no thread: nothing is hashed unless a caller does it.
fn idle_helper() -> Helper {
    let ready = Phase::Ready {
        name: "test".into(),
        software: false,
    };
    let shared = Shared::new(ready, false, Probes::All);
    lock(&shared.state).cpu.add(1e6, 1);
    Helper {
        shared,
        thread: Mutex::new(None),
    }
}

#[test]
fn trial_images_taken_back_before_the_gpu_saw_them_keep_the_trial_open() {
    let helper = idle_helper();
    let tickets: Vec<u64> = (0..TRIAL)
        .map(|_| helper.offer(dummy()).expect("a trial image is taken"))
        .collect();
    assert!(
        helper.offer(dummy()).is_err(),
        "nothing beyond the trial before it is measured"
    );
    // The batch ends before the GPU's thread woke: the caller hashes them itself.
    assert_eq!(helper.collect(&tickets).len(), TRIAL);
    assert_eq!(lock(&helper.shared.state).queued_bytes, 0);
    // The GPU was never measured, so the trial is still to be made.
    assert!(helper.offer(dummy()).is_ok());
}
