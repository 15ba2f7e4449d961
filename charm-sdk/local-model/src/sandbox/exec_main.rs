//! The `__sandbox-exec` helper: enter a private mount namespace, apply the binds, exec.
//!
//! Runs as its own short-lived process (the `local-model` binary re-executed by
//! [`super::Sandbox::command`]), still single-threaded, so `unshare(CLONE_NEWNS)` and the
//! mounts affect only it and what it execs. The sequence is the classic one of container
//! runtimes: unshare, make `/` recursively private (so nothing propagates back to the host's
//! mount table), bind each host path over its target, remount read-only binds, bind the
//! hosts file, set the hostname, chdir, drop to the requested user, `execvp`. Any failure
//! prints `local-model sandbox <name>: ...` on stderr and exits 127, which the caller sees
//! as the workload exiting at once.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::unistd::{chdir, execvp, setgid, setgroups, sethostname, setsid, setuid, Gid, Uid};

use super::paths::clean;
use super::spec::SandboxSpec;

/// Exit code when the sandbox cannot be set up or the command cannot be executed.
const EXIT_SETUP_FAILED: i32 = 127;

/// Entry point of `local-model __sandbox-exec --spec <json> -- <argv...>`: `args` are the
/// arguments after the subcommand. Never returns: the process becomes the command, or
/// exits 127 with a message on stderr.
///
/// Call it first thing in `main`, before any thread is started.
pub fn sandbox_exec_main<I, S>(args: I) -> !
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let (spec, argv) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => fail("", &message),
    };
    if let Err(message) = enter(&spec) {
        fail(&spec.name, &message);
    }
    let message = exec(&argv);
    fail(&spec.name, &message)
}

fn fail(name: &str, message: &str) -> ! {
    eprintln!("local-model sandbox {name}: {message}");
    std::process::exit(EXIT_SETUP_FAILED)
}

fn parse_args(args: &[String]) -> Result<(SandboxSpec, Vec<String>), String> {
    let mut spec = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--spec" => {
                let json = iter.next().ok_or("--spec needs a value")?;
                spec = Some(serde_json::from_str::<SandboxSpec>(json).map_err(|e| format!("invalid --spec: {e}"))?);
            }
            "--" => {
                let argv: Vec<String> = iter.cloned().collect();
                if argv.is_empty() {
                    return Err("no command given after --".into());
                }
                return Ok((spec.ok_or("missing --spec")?, argv));
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Err("usage: __sandbox-exec --spec <json> -- <command...>".into())
}

/// Creates the namespace and everything in it; on return the process is ready to exec.
fn enter(spec: &SandboxSpec) -> Result<(), String> {
    let mut flags = CloneFlags::CLONE_NEWNS;
    if spec.hostname.is_some() {
        flags |= CloneFlags::CLONE_NEWUTS;
    }
    unshare(flags).map_err(|e| format!("unshare: {e}"))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| format!("making / private: {e}"))?;

    let mut binds: Vec<(String, &super::Bind)> = Vec::new();
    for bind in &spec.binds {
        let target = bind
            .target
            .to_str()
            .and_then(clean)
            .ok_or_else(|| format!("bind target {} must be an absolute UTF-8 path", bind.target.display()))?;
        binds.push((target, bind));
    }
    // Parents before children, so a nested bind lands inside its parent's mount.
    binds.sort_by_key(|(target, _)| target.matches('/').count());
    for (target, bind) in &binds {
        bind_mount(&bind.host, Path::new(target))?;
    }
    for (target, bind) in binds.iter().filter(|(_, b)| b.read_only) {
        mount(
            None::<&str>,
            Path::new(target),
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| format!("remounting {target} read-only (from {}): {e}", bind.host.display()))?;
    }
    if let Some(hosts) = &spec.hosts_file {
        bind_mount(hosts, Path::new("/etc/hosts"))?;
    }
    if let Some(hostname) = &spec.hostname {
        sethostname(hostname).map_err(|e| format!("sethostname {hostname:?}: {e}"))?;
    }
    let dir = spec.working_dir.as_deref().unwrap_or("/");
    chdir(dir).map_err(|e| format!("chdir {dir}: {e}"))?;
    if spec.new_session {
        setsid().map_err(|e| format!("setsid: {e}"))?;
    }
    if let Some(gid) = spec.gid {
        setgroups(&[Gid::from_raw(gid)]).map_err(|e| format!("setgroups {gid}: {e}"))?;
        setgid(Gid::from_raw(gid)).map_err(|e| format!("setgid {gid}: {e}"))?;
    }
    if let Some(uid) = spec.uid {
        setuid(Uid::from_raw(uid)).map_err(|e| format!("setuid {uid}: {e}"))?;
    }
    Ok(())
}

/// Binds `host` over `target`, creating what is missing: the host side as a directory, the
/// target as a directory or an empty file matching the host side.
fn bind_mount(host: &Path, target: &Path) -> Result<(), String> {
    if !host.exists() {
        fs::create_dir_all(host).map_err(|e| format!("creating {}: {e}", host.display()))?;
    }
    let host_is_dir = host.is_dir();
    if !target.exists() {
        if host_is_dir {
            fs::create_dir_all(target).map_err(|e| format!("creating mount point {}: {e}", target.display()))?;
        } else {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
            }
            fs::File::create(target).map_err(|e| format!("creating mount point {}: {e}", target.display()))?;
        }
    }
    mount(
        Some(host),
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(|e| format!("binding {} on {}: {e}", host.display(), target.display()))
}

/// Replaces the process with `argv`; returns only the reason it could not.
fn exec(argv: &[String]) -> String {
    let mut cargs = Vec::with_capacity(argv.len());
    for arg in argv {
        match CString::new(std::ffi::OsStr::new(arg).as_bytes()) {
            Ok(c) => cargs.push(c),
            Err(_) => return format!("argument {arg:?} contains a NUL byte"),
        }
    }
    let Some(program) = cargs.first() else {
        return "empty command".into();
    };
    match execvp(program, &cargs) {
        Ok(never) => match never {},
        Err(e) => format!("cannot exec {:?}: {e}", argv[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec_and_argv() {
        let spec = SandboxSpec {
            name: "u/0".into(),
            working_dir: Some("/tmp".into()),
            ..SandboxSpec::default()
        };
        let args = vec![
            "--spec".to_owned(),
            spec.to_json(),
            "--".into(),
            "sh".into(),
            "-c".into(),
            "--".into(),
        ];
        let (parsed, argv) = parse_args(&args).unwrap();
        assert_eq!(parsed, spec);
        assert_eq!(argv, ["sh", "-c", "--"]);
        assert!(parse_args(&["--".into(), "x".into()]).is_err());
        assert!(parse_args(&["--spec".into(), "{}".into(), "--".into()]).is_err());
    }
}
