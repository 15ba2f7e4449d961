//! "Is the other end of this loopback connection a socket of this very process?"
//!
//! The TLS tunnel (see `tunnel.rs`) listens on 127.0.0.1 and presents the caller's client
//! certificate to ZooKeeper. Any local process could dial that port, so each accepted
//! connection is checked: the kernel's TCP table (`/proc/self/net/tcp`) gives the inode of the
//! socket whose local end is the peer's address, and that inode must be one of this process's
//! open file descriptors. Anything unreadable counts as "no" (fail closed).

use std::net::{SocketAddr, SocketAddrV4};

/// Whether the connection from `peer` to our listener at `listener` was opened by this process.
pub(crate) fn is_own_connection(listener: SocketAddr, peer: SocketAddr) -> bool {
    let (SocketAddr::V4(listener), SocketAddr::V4(peer)) = (listener, peer) else {
        return false;
    };
    let Ok(table) = std::fs::read_to_string("/proc/self/net/tcp") else {
        return false;
    };
    let Some(inode) = find_inode(&table, peer, listener) else {
        return false;
    };
    let wanted = format!("socket:[{inode}]");
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return false;
    };
    fds.filter_map(Result::ok)
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .any(|target| target.as_os_str() == wanted.as_str())
}

/// The inode of the socket whose local address is `local` and remote address is `remote`.
fn find_inode(table: &str, local: SocketAddrV4, remote: SocketAddrV4) -> Option<u64> {
    let (local, remote) = (proc_addr(local), proc_addr(remote));
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let matches = fields.get(1)?.eq_ignore_ascii_case(&local) && fields.get(2)?.eq_ignore_ascii_case(&remote);
        if matches {
            fields.get(9)?.parse().ok()
        } else {
            None
        }
    })
}

/// `/proc/net/tcp` notation: the address as the kernel's native-endian `u32`, then the port.
fn proc_addr(addr: SocketAddrV4) -> String {
    format!("{:08X}:{:04X}", u32::from_ne_bytes(addr.ip().octets()), addr.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn recognises_own_socket_and_rejects_strangers() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = TcpStream::connect(addr).unwrap();
        let (_server_side, peer) = listener.accept().unwrap();
        assert!(is_own_connection(addr, peer));
        // A peer port nobody in this process holds.
        let stranger = SocketAddr::from(([127, 0, 0, 1], peer.port().wrapping_add(1).max(1)));
        assert!(!is_own_connection(addr, stranger));
    }

    #[test]
    fn rejects_a_connection_from_another_process() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // bash's /dev/tcp opens the connection from a child process.
        let script = format!("exec 3<>/dev/tcp/127.0.0.1/{}; sleep 2", addr.port());
        let mut child = std::process::Command::new("bash")
            .args(["-c", &script])
            .spawn()
            .unwrap();
        let (_server_side, peer) = listener.accept().unwrap();
        let own = is_own_connection(addr, peer);
        let _ = child.kill();
        let _ = child.wait();
        assert!(!own, "a child's socket must not count as ours");
    }

    #[test]
    fn parses_kernel_table() {
        let table =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1\n";
        let local = SocketAddrV4::new([127, 0, 0, 1].into(), 0x9C40);
        let remote = SocketAddrV4::new([127, 0, 0, 1].into(), 0x1F90);
        if cfg!(target_endian = "little") {
            assert_eq!(find_inode(table, local, remote), Some(4242));
        }
        assert_eq!(find_inode(table, remote, local), None);
    }
}
