// SPDX-License-Identifier: MIT
// tokio's side of examples/exec_echo: the same server on tokio's runtimes, so that
// bench/exec_echo_vs_tokio.sh can count both under callgrind in one run. An accept loop
// spawns one task per connection; the task reads into its buffer and writes what it read
// back with write_all, until the client closes.
//
//   tokio_echo --listen IP:PORT [--workers N]     (PORT 0 picks a free port)
//
// N workers of the multi_thread runtime (default 1); N = 0 runs the current_thread
// runtime. Prints exactly one line, "listening on IP:PORT", then echoes until killed.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Builder;

fn usage() -> ! {
    eprintln!("usage: tokio_echo --listen IP:PORT [--workers N]");
    std::process::exit(2);
}

async fn echo(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    // exec_echo's buffer size: one page.
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn serve(addr: SocketAddr) {
    let listener = TcpListener::bind(addr).await.unwrap_or_else(|e| {
        eprintln!("tokio_echo: bind {addr}: {e}");
        std::process::exit(1);
    });
    let local = listener.local_addr().unwrap_or(addr);
    println!("listening on {local}");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(echo(stream));
            }
            Err(e) => eprintln!("tokio_echo: accept: {e}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut listen: Option<SocketAddr> = None;
    let mut workers: usize = 1;
    let mut i = 1;
    while i < args.len() {
        match (args[i].as_str(), args.get(i + 1)) {
            ("--listen", Some(v)) => listen = Some(v.parse().unwrap_or_else(|_| usage())),
            ("--workers", Some(v)) => workers = v.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
        i += 2;
    }
    let addr = listen.unwrap_or_else(|| usage());
    let mut b = if workers == 0 {
        Builder::new_current_thread()
    } else {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(workers);
        b
    };
    let rt = b.enable_all().build().unwrap_or_else(|e| {
        eprintln!("tokio_echo: runtime: {e}");
        std::process::exit(1);
    });
    rt.block_on(serve(addr));
}
