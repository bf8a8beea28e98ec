// SPDX-License-Identifier: MIT
// tokio's side of bench/exec_sync.cpp: the same workloads, names, operation counts and
// command line, on tokio's runtimes (multi_thread with 2 workers, current_thread), so
// that bench/sync_vs_tokio.sh can run both under callgrind and put their instructions
// per operation side by side.
//
//   tokio_sync [--iters N] [--runs R] [--only NAME] [--flavor mt|ct]

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tokio::runtime::{Builder, Runtime};
use tokio::sync::{mpsc, oneshot, Mutex, Notify, Semaphore};

fn fail(what: &str) -> ! {
    eprintln!("tokio_sync: {what}");
    std::process::exit(1);
}

struct Options {
    n: i64,
    runs: usize,
    only: String,
    flavor: String,
}

fn parse_options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let mut o = Options { n: 1_000_000, runs: 4, only: String::new(), flavor: String::new() };
    let mut bad = args.len() % 2 == 0;
    let mut i = 1;
    while i + 1 < args.len() {
        let v = &args[i + 1];
        match args[i].as_str() {
            "--iters" => o.n = v.parse().unwrap_or(0),
            "--runs" => o.runs = v.parse().unwrap_or(0),
            "--only" => o.only = v.clone(),
            "--flavor" => o.flavor = v.clone(),
            _ => bad = true,
        }
        i += 2;
    }
    if bad || o.n < 4 || o.runs == 0 || !(o.flavor.is_empty() || o.flavor == "mt" || o.flavor == "ct") {
        eprintln!("usage: {} [--iters N>=4] [--runs R] [--only NAME] [--flavor mt|ct]", args[0]);
        std::process::exit(2);
    }
    o
}

type Work = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

fn runtime(multi_thread: bool) -> Runtime {
    let mut b = if multi_thread {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        Builder::new_current_thread()
    };
    b.enable_all().build().unwrap_or_else(|e| fail(&format!("runtime: {e}")))
}

// `producers` tasks send n messages in all; this task receives them.
async fn mpsc_bounded(producers: i64, n: i64) {
    let (tx, mut rx) = mpsc::channel::<i64>(1024);
    for _ in 0..producers {
        let tx = tx.clone();
        tokio::spawn(async move {
            for i in 0..n / producers {
                if tx.send(i).await.is_err() {
                    fail("bounded send");
                }
            }
        });
    }
    drop(tx);
    let mut got = 0;
    while rx.recv().await.is_some() {
        got += 1;
    }
    if got != n / producers * producers {
        fail("mpsc lost messages");
    }
}

async fn mpsc_unbounded(producers: i64, n: i64) {
    let (tx, mut rx) = mpsc::unbounded_channel::<i64>();
    for _ in 0..producers {
        let tx = tx.clone();
        tokio::spawn(async move {
            for i in 0..n / producers {
                if tx.send(i).is_err() {
                    fail("unbounded send");
                }
            }
        });
    }
    drop(tx);
    let mut got = 0;
    while rx.recv().await.is_some() {
        got += 1;
    }
    if got != n / producers * producers {
        fail("mpsc lost messages");
    }
}

async fn oneshot_run(n: i64) {
    for i in 0..n {
        let (tx, rx) = oneshot::channel::<i64>();
        if tx.send(i).is_err() {
            fail("oneshot send");
        }
        if rx.await.is_err() {
            fail("oneshot recv");
        }
    }
}

async fn notify_ping_pong(n: i64) {
    let to_pong = Arc::new(Notify::new());
    let to_ping = Arc::new(Notify::new());
    let (inp, out) = (to_pong.clone(), to_ping.clone());
    let other = tokio::spawn(async move {
        for _ in 0..n {
            inp.notified().await;
            out.notify_one();
        }
    });
    for _ in 0..n {
        to_pong.notify_one();
        to_ping.notified().await;
    }
    let _ = other.await;
}

// 4 tasks share n operations on one primitive.
async fn contended<F, Fut>(n: i64, each: F)
where
    F: Fn(i64) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let hs: Vec<_> = (0..4).map(|_| tokio::spawn(each(n / 4))).collect();
    for h in hs {
        let _ = h.await;
    }
}

fn main() {
    let opt = parse_options();
    let n = opt.n;
    println!("n = {n} operations per run, median of {} runs", opt.runs);
    for (multi_thread, flavor) in [(true, "mt"), (false, "ct")] {
        if !opt.flavor.is_empty() && opt.flavor != flavor {
            continue;
        }
        let run = |name: &str, unit: &str, make: &dyn Fn() -> Work| {
            if !name.contains(opt.only.as_str()) {
                return;
            }
            let mut rates = Vec::new();
            for _ in 0..opt.runs {
                let rt = runtime(multi_thread);
                let t0 = Instant::now();
                let work = make();
                if rt.block_on(async move { tokio::spawn(work).await }).is_err() {
                    fail(name);
                }
                rates.push(n as f64 / t0.elapsed().as_secs_f64());
            }
            rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let k = rates.len();
            let m = if k % 2 == 1 { rates[k / 2] } else { (rates[k / 2 - 1] + rates[k / 2]) / 2.0 };
            let kind = if multi_thread { "2 workers" } else { "current-thread" };
            println!("{name:<32} {kind:<14} {:7.2}M {unit}/s ({:5.0} ns)", m / 1e6, 1e9 / m);
        };
        run("mpsc bounded 1024, 1 producer", "msgs", &|| Box::pin(mpsc_bounded(1, n)));
        run("mpsc bounded 1024, 4 producers", "msgs", &|| Box::pin(mpsc_bounded(4, n)));
        run("mpsc unbounded, 1 producer", "msgs", &|| Box::pin(mpsc_unbounded(1, n)));
        run("mpsc unbounded, 4 producers", "msgs", &|| Box::pin(mpsc_unbounded(4, n)));
        run("oneshot create+send+recv", "ops", &|| Box::pin(oneshot_run(n)));
        run("Notify ping-pong", "round trips", &|| Box::pin(notify_ping_pong(n)));
        let sem = Arc::new(Semaphore::new(2));
        run("Semaphore(2), 4 tasks", "acquires", &|| {
            let sem = sem.clone();
            Box::pin(contended(n, move |k| {
                let sem = sem.clone();
                async move {
                    for _ in 0..k {
                        let permit = sem.acquire().await;
                        if permit.is_err() {
                            fail("acquire");
                        }
                    }
                }
            }))
        });
        let m = Arc::new(Mutex::new(0i64));
        run("Mutex, 4 tasks", "locks", &|| {
            let m = m.clone();
            Box::pin(contended(n, move |k| {
                let m = m.clone();
                async move {
                    for _ in 0..k {
                        *m.lock().await += 1;
                    }
                }
            }))
        });
    }
}
