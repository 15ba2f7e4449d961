//! The web workload: what runs in the `web` container and how the charm keeps it in shape.
//!
//! Pure functions compute the page and the Pebble layer from the config; the `ensure_*`
//! helpers write them through Pebble only when they differ, so a reconcile that changes
//! nothing makes no writes and no restarts.

use charm_sdk::model::pebble::{Check, Layer, Service};
use charm_sdk::pebble::ensure::{ensure_file, ensure_layer};
use charm_sdk::pebble::{ExecRequest, PebbleError, PushOptions};
use charm_sdk::prelude::*;

use crate::Config;

/// Where the page is served from (the `content` storage mount).
pub const PAGE_PATH: &str = "/srv/www/index.html";
const LAYER_LABEL: &str = "demo";
const SERVICE: &str = "web";

/// The page for a greeting, this unit, and an optional upstream URL.
pub fn page(greeting: &str, unit: &str, upstream: Option<&str>) -> String {
    let mut page = format!(
        "<!doctype html>\n<title>demo</title>\n<h1>{}</h1>\n<p>served by {}</p>\n",
        escape(greeting),
        escape(unit)
    );
    if let Some(upstream) = upstream {
        page.push_str(&format!("<p>upstream: <a href=\"{0}\">{0}</a></p>\n", escape(upstream)));
    }
    page
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Pebble layer of the web service for a config.
pub fn web_layer(config: &Config) -> Layer {
    let service = Service::replace(format!("python3 -m http.server {} --directory /srv/www", config.port))
        .enabled()
        .env("LOG_LEVEL", config.log_level.clone());
    let check = Check::http(format!("http://localhost:{}/", config.port));
    Layer {
        summary: Some("demo web service".to_owned()),
        ..Layer::default()
    }
    .with_service(SERVICE, service)
    .with_check("web-up", check)
}

/// Writes the page if it changed. Returns whether it wrote.
pub(crate) fn push_page(web: &dyn Pebble, page: &str) -> Result<bool, PebbleError> {
    ensure_file(
        web,
        PAGE_PATH,
        page.as_bytes(),
        &PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        }
        .permissions(0o644),
    )
}

/// Adds the layer and replans if the plan changed. Returns whether it did.
pub(crate) fn ensure_service(web: &dyn Pebble, config: &Config) -> Result<bool, PebbleError> {
    ensure_layer(web, LAYER_LABEL, &web_layer(config))
}

/// Stops the service (teardown); nothing to do when the layer was never added.
pub(crate) fn stop(web: &dyn Pebble) -> Result<(), PebbleError> {
    if web.get_plan()?.services.contains_key(SERVICE) {
        web.stop_services(&[SERVICE])?;
    }
    Ok(())
}

/// The first `lines` lines of the served page, read with `head` in the container.
pub(crate) fn head(web: &dyn Pebble, lines: u32) -> Result<String, PebbleError> {
    let request = ExecRequest {
        command: vec!["head".into(), "-n".into(), lines.to_string(), PAGE_PATH.into()],
        ..ExecRequest::default()
    };
    let output = web.exec_checked(&request)?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_escapes_html() {
        let p = page("<b>hi</b>", "demo/0", Some("http://x/?a=1&b=2"));
        assert!(p.contains("&lt;b&gt;hi&lt;/b&gt;"));
        assert!(p.contains("a=1&amp;b=2"));
    }

    #[test]
    fn layer_follows_config() {
        let config = Config {
            port: 9000,
            greeting: "x".into(),
            log_level: "DEBUG".into(),
        };
        let yaml = web_layer(&config).to_yaml();
        assert!(yaml.contains("python3 -m http.server 9000"), "{yaml}");
        assert!(yaml.contains("LOG_LEVEL: DEBUG"), "{yaml}");
        assert!(yaml.contains("override: replace"), "{yaml}");
    }
}
