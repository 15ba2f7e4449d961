//! Where a model keeps its files, and how its sockets are named.
//!
//! Everything a model owns lives under its directory, so `destroy` and a test's temporary
//! directory clean it up: the controller's socket and pid file, the hook-tool symlinks,
//! unpacked charms, and one directory per unit (its charm, the Pebble sockets of its
//! containers, its storage, its /etc/hosts). Hook tools reach the controller through an
//! abstract unix socket named after the directory: it needs no path inside the hook's
//! mount namespace and vanishes with the controller.

use std::path::{Path, PathBuf};

use juju_model::UnitName;

/// The model directory and the paths inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The model directory (absolute).
    pub dir: PathBuf,
}

impl Layout {
    /// The layout of `dir`, made absolute.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        Self { dir }
    }

    /// The controller's socket for the CLI (and, as a fallback, hook tools).
    pub fn socket(&self) -> PathBuf {
        self.dir.join("controller.sock")
    }

    /// The controller's pid file.
    pub fn pid_file(&self) -> PathBuf {
        self.dir.join("controller.pid")
    }

    /// The controller's own log (its stderr).
    pub fn controller_log(&self) -> PathBuf {
        self.dir.join("controller.log")
    }

    /// The model's debug log, as `debug-log` shows it.
    pub fn debug_log(&self) -> PathBuf {
        self.dir.join("debug.log")
    }

    /// The hook tools directory (first on the hooks' PATH).
    pub fn tools(&self) -> PathBuf {
        self.dir.join("tools")
    }

    /// Unpacked charms, one directory per application revision.
    pub fn charms(&self) -> PathBuf {
        self.dir.join("charms")
    }

    /// Charms packed from crate directories by the CLI.
    pub fn builds(&self) -> PathBuf {
        self.dir.join("build")
    }

    /// A unit's directory.
    pub fn unit(&self, unit: &UnitName) -> PathBuf {
        self.dir.join("units").join(unit.pod_name())
    }

    /// A unit's charm directory (the hook's working directory).
    pub fn unit_charm(&self, unit: &UnitName) -> PathBuf {
        self.unit(unit).join("charm")
    }

    /// The directory holding `<container>/pebble.socket`, bound at `/charm/containers`.
    pub fn unit_containers(&self, unit: &UnitName) -> PathBuf {
        self.unit_charm(unit).join("containers")
    }

    /// A container's state directory (its sandbox root).
    pub fn container_root(&self, unit: &UnitName, container: &str) -> PathBuf {
        self.unit(unit).join("rootfs").join(container)
    }

    /// A storage instance's directory (`data/3` -> `storage/data-3`).
    pub fn storage(&self, unit: &UnitName, storage_id: &str) -> PathBuf {
        self.unit(unit).join("storage").join(storage_id.replace('/', "-"))
    }

    /// The /etc/hosts of a unit's sandboxes.
    pub fn hosts(&self, unit: &UnitName) -> PathBuf {
        self.unit(unit).join("hosts")
    }

    /// The abstract socket name hook tools connect to (`JUJU_AGENT_SOCKET_ADDRESS`,
    /// with Juju's `@` prefix for abstract sockets).
    pub fn agent_socket(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.dir.as_os_str().as_encoded_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("@local-model-{hash:016x}/agent.socket")
    }
}
