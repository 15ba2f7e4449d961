//! `postgresql`: Debian's PostgreSQL 15 binaries at the rock's paths.
//!
//! Canonical's PostgreSQL rock runs `/usr/lib/postgresql/<major>/bin/*` as user `postgres`
//! with data under `/var/lib/postgresql`; here the host's 15 installation is bound
//! read-only at `/usr/lib/postgresql/14` too (PostgreSQL finds its share directory relative
//! to the binary, so this works), and data, logs and the socket directory are
//! per-container so several units never share the host's cluster files.

use super::{requirement, with_unit_dirs, HostProfile, INSTALL_HINT};
use crate::sandbox::Bind;

/// The host's PostgreSQL installation.
const HOST_PG: &str = "/usr/lib/postgresql/15";

/// The profile.
pub(super) fn profile() -> HostProfile {
    let mut profile = HostProfile {
        rock: "postgresql".into(),
        aliases: vec![
            "charmed-postgresql".into(),
            "postgresql-image".into(),
            "postgresql-k8s".into(),
            "postgres".into(),
        ],
        users: [("postgres".to_owned(), "postgres".to_owned())].into(),
        requires: vec![requirement("/usr/lib/postgresql/15/bin/postgres", INSTALL_HINT)],
        ..HostProfile::default()
    };
    profile.binds.push(Bind::read_only(HOST_PG, "/usr/lib/postgresql/14"));
    with_unit_dirs(
        &mut profile,
        &[
            ("var-lib-postgresql", "/var/lib/postgresql"),
            ("var-log-postgresql", "/var/log/postgresql"),
            ("var-run-postgresql", "/var/run/postgresql"),
        ],
        Some("postgres"),
    );
    profile
}
