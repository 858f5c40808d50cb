//! The GPU as one more worker beside the CPU threads (`--gpu auto|on`, feature `gpu`).
//!
//! The CPU threads decode. After each decode a thread *offers* the pixels to the [`Helper`],
//! which takes them when the GPU is ready, its queue has room and it pays for itself; otherwise
//! the thread computes the signature itself, as with `--gpu off`. So under `--gpu auto` no CPU
//! thread ever waits for the GPU: the GPU can take work off the CPUs, not hold them up. At the
//! end of a batch the caller takes back what the GPU has not started, and races it for the
//! images it is hashing (the CPU threads have nothing else to do then): whichever is first
//! gives the signature, which is the same either way.
//!
//! *Paying for itself* is measured, not assumed. Hashing an image on the GPU still costs the
//! host CPU time: packing and copying the upload, waiting for the fence, reading back, and
//! selecting the top coefficients. The helper's thread measures its own CPU time per image
//! (a software adapter such as lavapipe runs on the very cores that decode, so there its wall
//! time on every core is counted instead) and the CPU threads measure what the transform costs
//! them. While an image costs more CPU time on the GPU path than on a CPU thread, the helper
//! takes nothing, and tries again with a few images after [`RETRY`], then after twice as long
//! each time it loses, up to [`MAX_REST`].
//!
//! Under `--gpu auto` the GPU is looked for in the background (opening an adapter and
//! compiling the kernels takes a while), so the CPU threads start at once. `--gpu on` opens it
//! before the first image and makes the helper take every image: a thread waits while the
//! queue is full.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::store::Probed;
use lookalike_gpu::{BackendRequest, Hasher};
use rayon::prelude::*;

use super::decode::Decoded;
use super::hashing::{Probes, signature_of};

/// At most this many images wait in the queue (and at most [`QUEUE_BYTES`] of pixels).
const QUEUE_IMAGES: usize = 64;
/// At most this many bytes of pixels wait in the queue (one image always fits).
const QUEUE_BYTES: usize = 256 << 20;
/// The helper hashes at most this many images per GPU submission.
const MAX_BATCH: usize = 64;
/// Images taken to measure the GPU's cost when it becomes ready.
const TRIAL: usize = 4;
/// Images taken to measure it again after a rest: few, since it lost last time.
const RETRIAL: usize = 2;
/// How long the helper rests after measuring that the GPU costs more than the CPU.
pub const RETRY: Duration = Duration::from_secs(2);
/// The longest rest (the rest doubles each time the GPU loses again).
pub const MAX_REST: Duration = Duration::from_secs(64);

/// The GPU worker; see the module docs.
pub struct Helper {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the helper's thread: work queued, or stop.
    work: Condvar,
    /// Wakes the callers: results ready, or room in the queue.
    done: Condvar,
    /// `--gpu on`: take every image, never give one back.
    forced: bool,
    /// What each image gets besides its signature.
    probes: Probes,
}

enum Phase {
    /// The adapter is being opened (`--gpu auto`, in the background).
    Starting,
    /// The GPU takes work.
    Ready { name: String, software: bool },
    /// No GPU, or it failed: the CPU threads do everything.
    Unusable(String),
}

/// A running mean of nanoseconds per image.
#[derive(Default, Clone, Copy)]
struct Mean {
    ns: f64,
    images: u64,
}

impl Mean {
    /// Adds `images` images that took `ns` in all; recent ones weigh more (about the last 64).
    fn add(&mut self, ns: f64, images: usize) {
        let per_image = ns / images.max(1) as f64;
        let weight = (images as f64 / 64.0).max(1.0 / (self.images + 1) as f64);
        self.ns += (per_image - self.ns) * weight.min(1.0);
        self.images += images as u64;
    }

    fn ms(&self) -> f64 {
        self.ns * 1e-6
    }
}

struct Job {
    id: u64,
    decoded: Arc<Decoded>,
}

struct State {
    phase: Phase,
    queue: VecDeque<Job>,
    queued_bytes: usize,
    /// Images the helper's thread took and is hashing.
    in_flight: HashMap<u64, Arc<Decoded>>,
    results: HashMap<u64, Result<Probed, String>>,
    /// Tickets a caller hashed itself while the GPU had them: the GPU's result is dropped.
    discard: HashSet<u64>,
    next_id: u64,
    stop: bool,
    /// CPU time per image on a CPU thread (the transform only; decoding is the same either way).
    cpu: Mean,
    /// Host CPU time per image on the GPU path.
    gpu: Mean,
    /// Images still to take for the current measurement.
    trial_left: usize,
    /// While set, offers are refused until then (the GPU cost more than the CPU).
    resting_until: Option<Instant>,
    /// The next rest.
    rest: Duration,
    /// Whether the last measurement found the GPU cheaper (offers beyond the trial accepted).
    paying: bool,
    /// Signatures the callers took from the GPU (not those raced and dropped).
    used: u64,
}

impl State {
    /// Whether the queue takes `bytes` more bytes of pixels (one image always fits).
    fn has_room(&self, bytes: usize) -> bool {
        self.queue.is_empty()
            || (self.queue.len() < QUEUE_IMAGES && self.queued_bytes + bytes <= QUEUE_BYTES)
    }

    /// Whether an offer of `bytes` more bytes of pixels is accepted now (not `--gpu on`).
    fn accepts(&mut self, bytes: usize, now: Instant) -> bool {
        if !self.has_room(bytes) {
            return false;
        }
        if let Some(until) = self.resting_until {
            if now < until {
                return false;
            }
            self.resting_until = None;
            self.trial_left = RETRIAL;
            // The retrial is measured afresh: one costly batch must not outweigh it.
            self.gpu = Mean::default();
        }
        if self.trial_left > 0 {
            self.trial_left -= 1;
            return true;
        }
        self.paying
    }

    /// Records one GPU batch: `images` images that cost the host `cpu_ns` in all.
    fn measured(&mut self, cpu_ns: f64, images: usize, forced: bool) {
        self.gpu.add(cpu_ns, images);
        // Without a CPU measurement yet (every image went to the GPU), the GPU keeps its work.
        self.paying = self.cpu.images == 0 || self.gpu.ns <= self.cpu.ns;
        if self.paying {
            self.rest = RETRY;
        } else if !forced && self.resting_until.is_none() {
            self.resting_until = Some(Instant::now() + self.rest);
            self.rest = (self.rest * 2).min(MAX_REST);
            self.trial_left = 0;
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Helper {
    /// `--gpu auto`: looks for a GPU on a thread of its own; until it is found (and if none
    /// is), every offer is refused. `cpu_ns` is what the transform has cost a CPU thread per
    /// image so far.
    pub fn start(cpu_ns: f64, probes: Probes) -> Helper {
        let shared = Shared::new(Phase::Starting, false, probes);
        lock(&shared.state).cpu.add(cpu_ns, 1);
        Helper::spawn(shared, |worker| match Hasher::new(BackendRequest::Auto) {
            Ok(hasher) if hasher.is_gpu() => serve(worker, hasher),
            Ok(hasher) => worker.give_up(hasher.description().to_string()),
            Err(e) => worker.give_up(e.to_string()),
        })
    }

    /// `--gpu on`: a GPU that was already opened takes every image.
    pub fn forced(hasher: Hasher, probes: Probes) -> Helper {
        let shared = Shared::new(Phase::Starting, true, probes);
        shared.ready(&hasher);
        Helper::spawn(shared, move |worker| serve(worker, hasher))
    }

    /// Runs `work` on the helper's own thread (if none can be started, the GPU is given up).
    fn spawn(shared: Arc<Shared>, work: impl FnOnce(&Shared) + Send + 'static) -> Helper {
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("lookalike-gpu".into())
            .spawn(move || work(&worker))
            .ok();
        if thread.is_none() {
            shared.give_up("cannot start a thread".into());
        }
        Helper {
            shared,
            thread: Mutex::new(thread),
        }
    }

    /// Offers decoded pixels; `Ok(ticket)` when the GPU takes them (the result comes from
    /// [`collect`](Helper::collect)), else the pixels come back at once.
    pub fn offer(&self, decoded: Decoded) -> Result<u64, Decoded> {
        let bytes = decoded.data.len();
        let mut state = lock(&self.shared.state);
        loop {
            if state.stop || !matches!(state.phase, Phase::Ready { .. }) {
                return Err(decoded);
            }
            if !self.shared.forced {
                if !state.accepts(bytes, Instant::now()) {
                    return Err(decoded);
                }
                break;
            }
            if state.has_room(bytes) {
                break;
            }
            state = self
                .shared
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let id = state.next_id;
        state.next_id += 1;
        state.queued_bytes += bytes;
        state.queue.push_back(Job {
            id,
            decoded: Arc::new(decoded),
        });
        self.shared.work.notify_one();
        Ok(id)
    }

    /// A CPU thread hashed one image itself in `elapsed` (the helper's yardstick).
    pub fn cpu_hashed(&self, elapsed: Duration) {
        lock(&self.shared.state)
            .cpu
            .add(elapsed.as_nanos() as f64, 1);
    }

    /// The signatures of the tickets `ids`, in that order. Images the GPU has not started
    /// are taken back, and those it is hashing are raced: all are hashed here on all cores,
    /// unless the GPU's result is there first (not under `--gpu on`, which waits for the GPU).
    pub fn collect(&self, ids: &[u64]) -> Vec<Result<Probed, String>> {
        let mut found: HashMap<u64, Result<Probed, String>> = HashMap::new();
        let mut mine: Vec<(u64, Arc<Decoded>)> = Vec::new();
        {
            let mut state = lock(&self.shared.state);
            for &id in ids {
                if let Some(result) = state.results.remove(&id) {
                    state.used += 1;
                    found.insert(id, result);
                }
            }
            if !self.shared.forced {
                let wanted: HashSet<u64> = ids.iter().copied().collect();
                let queue = std::mem::take(&mut state.queue);
                for job in queue {
                    if wanted.contains(&job.id) {
                        state.queued_bytes -= job.decoded.data.len();
                        // A trial image taken back was never measured: the trial waits for
                        // another one instead (else the GPU would never be measured again).
                        if !state.paying && state.resting_until.is_none() {
                            state.trial_left += 1;
                        }
                        mine.push((job.id, job.decoded));
                    } else {
                        state.queue.push_back(job);
                    }
                }
                for &id in ids {
                    if let Some(decoded) = state.in_flight.get(&id) {
                        mine.push((id, Arc::clone(decoded)));
                    }
                }
            }
        }
        let raced: Vec<(u64, Result<Probed, String>)> = mine
            .into_par_iter()
            .map(|(id, decoded)| {
                {
                    let mut state = lock(&self.shared.state);
                    if let Some(result) = state.results.remove(&id) {
                        state.used += 1;
                        return (id, result);
                    }
                }
                let started = Instant::now();
                let signature = hash_on_cpu(&decoded, self.shared.probes);
                self.cpu_hashed(started.elapsed());
                (id, signature)
            })
            .collect();
        let mut state = lock(&self.shared.state);
        for (id, result) in raced {
            // The GPU may have finished meanwhile; else its result is dropped when it comes.
            if state.results.remove(&id).is_none() && state.in_flight.contains_key(&id) {
                state.discard.insert(id);
            }
            found.entry(id).or_insert(result);
        }
        while !ids.iter().all(|id| found.contains_key(id)) {
            for &id in ids {
                if let Some(result) = state.results.remove(&id) {
                    state.used += 1;
                    found.insert(id, result);
                }
            }
            if ids.iter().all(|id| found.contains_key(id)) {
                break;
            }
            state = self
                .shared
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(state);
        ids.iter()
            .map(|id| found.remove(id).unwrap_or_else(|| Err("not hashed".into())))
            .collect()
    }

    /// One line on what the GPU did, for the end of a run of `images` signatures (`None` if
    /// the GPU is still being looked for).
    pub fn summary(&self, images: u64) -> Option<String> {
        let state = lock(&self.shared.state);
        match &state.phase {
            Phase::Starting => None,
            Phase::Unusable(why) if state.gpu.images == 0 => Some(format!("no GPU used: {why}")),
            Phase::Unusable(why) => Some(format!(
                "the GPU hashed {} images, then stopped: {why}",
                state.gpu.images
            )),
            Phase::Ready { name, software } => {
                let kind = if *software { " (software)" } else { "" };
                let gpu = state.used;
                let cpu = if state.cpu.images == 0 {
                    String::new()
                } else {
                    format!(", {:.2} ms on a CPU thread", state.cpu.ms())
                };
                let gave_way = if state.paying || self.shared.forced {
                    ""
                } else {
                    "; it gave way to the CPU"
                };
                Some(if gpu == 0 {
                    format!("GPU {name}{kind}: ready, no image given to it")
                } else {
                    format!(
                        "GPU {name}{kind} hashed {gpu} of {images} images (CPU time per image: \
                         {:.2} ms on its path{cpu}){gave_way}",
                        state.gpu.ms(),
                    )
                })
            }
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        lock(&self.shared.state).stop = true;
        self.shared.work.notify_all();
        let thread = self
            .thread
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn new(phase: Phase, forced: bool, probes: Probes) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(State {
                phase,
                queue: VecDeque::new(),
                queued_bytes: 0,
                in_flight: HashMap::new(),
                results: HashMap::new(),
                discard: HashSet::new(),
                next_id: 0,
                stop: false,
                cpu: Mean::default(),
                gpu: Mean::default(),
                trial_left: TRIAL,
                resting_until: None,
                rest: RETRY,
                paying: forced,
                used: 0,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            forced,
            probes,
        })
    }

    fn ready(&self, hasher: &Hasher) {
        let name = hasher.adapter_name().unwrap_or("?").to_string();
        lock(&self.state).phase = Phase::Ready {
            name,
            software: hasher.is_software(),
        };
    }

    fn give_up(&self, why: String) {
        let mut state = lock(&self.state);
        state.phase = Phase::Unusable(why);
        drop(state);
        self.done.notify_all();
    }
}

/// The CPU path for one image (what a CPU thread would have done).
fn hash_on_cpu(decoded: &Decoded, probes: Probes) -> Result<Probed, String> {
    decoded
        .pixels()
        .map(|p| signature_of(&p, probes))
        .map_err(|e| format!("{e:#}"))
}

/// CPU time of the calling thread (wall time where the platform has no thread clock).
fn thread_cpu_ns(wall_since: Instant) -> f64 {
    #[cfg(target_os = "linux")]
    {
        let _ = wall_since;
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        t.tv_sec as f64 * 1e9 + t.tv_nsec as f64
    }
    #[cfg(not(target_os = "linux"))]
    {
        wall_since.elapsed().as_nanos() as f64
    }
}

/// Should the helper's thread panic (a driver's, or on odd pixels), what it held is hashed on
/// the CPU and handed over, and the GPU takes no more: no caller waits for a dead thread.
struct Rescue<'a>(&'a Shared);

impl Drop for Rescue<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let mut state = lock(&self.0.state);
        state.phase = Phase::Unusable("the GPU's thread stopped on a panic".into());
        let mut held: Vec<(u64, Arc<Decoded>)> = state
            .queue
            .drain(..)
            .map(|job| (job.id, job.decoded))
            .collect();
        held.extend(state.in_flight.drain());
        state.queued_bytes = 0;
        for (id, decoded) in held {
            let result = hash_on_cpu(&decoded, self.0.probes);
            if !state.discard.remove(&id) {
                state.results.insert(id, result);
            }
        }
        drop(state);
        self.0.done.notify_all();
    }
}

/// The helper's thread: takes queued images in batches and hashes them on the GPU, until
/// stopped. Runs inside a one-thread rayon pool of its own, so that the selection of the top
/// coefficients (a `par_iter` in `lookalike-gpu`) runs on this thread, where its CPU time is
/// measured, instead of stealing the CPU threads.
fn serve(shared: &Shared, hasher: Hasher) {
    let _rescue = Rescue(shared);
    if !shared.forced {
        shared.ready(&hasher);
    }
    let software = hasher.is_software();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "lookalike-gpu-select".into())
        .build()
    {
        Ok(pool) => pool,
        Err(e) => return shared.give_up(format!("cannot start a thread: {e}")),
    };
    pool.install(|| {
        loop {
            let jobs: Vec<Job> = {
                let mut state = lock(&shared.state);
                while state.queue.is_empty() && !state.stop {
                    state = shared
                        .work
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if state.queue.is_empty() {
                    return;
                }
                let n = state.queue.len().min(MAX_BATCH);
                let jobs: Vec<Job> = state.queue.drain(..n).collect();
                state.queued_bytes -= jobs.iter().map(|j| j.decoded.data.len()).sum::<usize>();
                for job in &jobs {
                    state.in_flight.insert(job.id, Arc::clone(&job.decoded));
                }
                // Room in the queue: `--gpu on` threads may be waiting for it.
                shared.done.notify_all();
                jobs
            };
            let wall = Instant::now();
            let cpu_before = thread_cpu_ns(wall);
            let pixels: Vec<_> = jobs.iter().map(|j| j.decoded.pixels()).collect();
            let ok: Vec<_> = pixels
                .iter()
                .filter_map(|p| p.as_ref().ok())
                .copied()
                .collect();
            let usable = matches!(lock(&shared.state).phase, Phase::Ready { .. });
            let hashed = match (usable, shared.probes) {
                (true, Probes::All) => hasher.hash_probed(&ok),
                (true, Probes::None) => hasher
                    .hash(&ok)
                    .map(|plain| plain.into_iter().map(|s| (s, s, Vec::new())).collect()),
                (false, probes) => Ok(ok.iter().map(|p| signature_of(p, probes)).collect()),
            };
            let cost = if software {
                wall.elapsed().as_nanos() as f64 * cores
            } else {
                thread_cpu_ns(wall) - cpu_before
            };
            let results: Vec<Result<Probed, String>> = match hashed {
                Ok(signatures) => {
                    let mut signatures = signatures.into_iter();
                    pixels
                        .iter()
                        .map(|p| match p {
                            Ok(_) => signatures.next().ok_or_else(|| "not hashed".to_string()),
                            Err(e) => Err(format!("{e:#}")),
                        })
                        .collect()
                }
                // The GPU failed: these images are hashed here on the CPU, and it takes no more.
                Err(e) => {
                    shared.give_up(format!("GPU hashing failed: {e}"));
                    jobs.iter()
                        .map(|j| hash_on_cpu(&j.decoded, shared.probes))
                        .collect()
                }
            };
            let mut state = lock(&shared.state);
            if matches!(state.phase, Phase::Ready { .. }) {
                state.measured(cost, jobs.len(), shared.forced);
            }
            for (job, result) in jobs.iter().zip(results) {
                state.in_flight.remove(&job.id);
                if !state.discard.remove(&job.id) {
                    state.results.insert(job.id, result);
                }
            }
            drop(state);
            shared.done.notify_all();
        }
    });
}

#[cfg(test)]
mod tests;
