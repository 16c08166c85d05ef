//! A TCP proxy on loopback that injects network faults: between a client and
//! the server (lost responses, cut requests), or between the server and
//! PostgreSQL (an outage, connections cut mid-transaction).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Relays both ways.
    None,
    /// Relays the request, waits for the first byte of the answer (so the
    /// server has finished its work), then closes both sides without
    /// relaying it.
    DropResponse,
    /// Relays only this many bytes of the request, then closes both sides.
    CutRequestAfter(usize),
    /// Accepts and closes at once: the target looks down.
    Refuse,
    /// Relays both ways until the client has sent bytes containing this
    /// pattern, relays those, then goes silent in both directions (as
    /// a network that silently drops packets) at exactly that point.
    FreezeAfterClientSends(&'static [u8]),
}

type Plan = Box<dyn FnMut(usize) -> Fault + Send>;

struct Shared {
    target: SocketAddr,
    /// Chooses the fault of each new connection by its number (from 0).
    plan: Mutex<Plan>,
    connections: AtomicUsize,
    /// Bumped to cut every open connection.
    sever: watch::Sender<u64>,
    /// Set to stop relaying on every open connection while keeping it open.
    freeze: watch::Sender<bool>,
}

pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `target` that relays everything until told otherwise.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            target,
            plan: Mutex::new(Box::new(|_| Fault::None)),
            connections: AtomicUsize::new(0),
            sever: watch::Sender::new(0),
            freeze: watch::Sender::new(false),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Self {
            addr,
            shared,
            accept,
        }
    }

    /// The same fault for every new connection.
    pub fn set_fault(&self, fault: Fault) {
        self.set_plan(move |_| fault);
    }

    /// A fault chosen per new connection, by its number since the start.
    pub fn set_plan(&self, plan: impl FnMut(usize) -> Fault + Send + 'static) {
        *self.shared.plan.lock().expect("plan lock") = Box::new(plan);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Closes every open connection at once, in both directions.
    pub fn sever_all(&self) {
        self.shared.sever.send_modify(|generation| *generation += 1);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.sever_all();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((client, _)) = listener.accept().await {
        let n = shared.connections.fetch_add(1, Ordering::SeqCst);
        let fault = (shared.plan.lock().expect("plan lock"))(n);
        let sever = shared.sever.subscribe();
        let freeze = shared.freeze.subscribe();
        tokio::spawn(relay(client, shared.target, fault, sever, freeze));
    }
}

async fn relay(
    client: TcpStream,
    target: SocketAddr,
    fault: Fault,
    mut sever: watch::Receiver<u64>,
    mut freeze: watch::Receiver<bool>,
) {
    if fault == Fault::Refuse {
        return;
    }
    let Ok(upstream) = TcpStream::connect(target).await else {
        return;
    };
    client.set_nodelay(true).ok();
    upstream.set_nodelay(true).ok();
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut upstream_rx, mut upstream_tx) = upstream.into_split();

    // Ends with `true` when the connection is to freeze now.
    let request = async {
        match fault {
            Fault::CutRequestAfter(n) => {
                let mut left = n;
                let mut buf = vec![0u8; 16 * 1024];
                while left > 0 {
                    let Ok(read) = client_rx.read(&mut buf[..left.min(16 * 1024)]).await else {
                        return false;
                    };
                    if read == 0 || upstream_tx.write_all(&buf[..read]).await.is_err() {
                        return false;
                    }
                    left -= read;
                }
                false
            }
            Fault::FreezeAfterClientSends(pattern) => {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let Ok(read) = client_rx.read(&mut buf).await else {
                        return false;
                    };
                    if read == 0 || upstream_tx.write_all(&buf[..read]).await.is_err() {
                        return false;
                    }
                    if buf[..read].windows(pattern.len()).any(|w| w == pattern) {
                        return true;
                    }
                }
            }
            _ => {
                tokio::io::copy(&mut client_rx, &mut upstream_tx).await.ok();
                upstream_tx.shutdown().await.ok();
                // Half-closed: keep waiting for the answer.
                std::future::pending::<bool>().await
            }
        }
    };
    let response = async {
        match fault {
            Fault::DropResponse => {
                // Ends on the first byte, or on close: either way nothing
                // reaches the client.
                let mut first = [0u8; 1];
                let _ = upstream_rx.read_exact(&mut first).await;
            }
            _ => {
                tokio::io::copy(&mut upstream_rx, &mut client_tx).await.ok();
                client_tx.shutdown().await.ok();
            }
        }
    };
    // Whichever ends first ends the connection: dropping the halves closes
    // both sockets.
    tokio::select! {
        _ = sever.changed() => return,
        _ = freeze.wait_for(|frozen| *frozen) => {}
        freeze_now = request => if !freeze_now { return },
        () = response => return,
    }
    // Frozen: hold both sockets, relay nothing, until severed.
    sever.changed().await.ok();
}
