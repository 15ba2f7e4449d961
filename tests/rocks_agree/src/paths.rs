//! Absolute paths inside command lines, JVM flags and environment values, and path
//! relations that compare whole components.

/// Every absolute path in `text`: a `/` at the start, after whitespace, `=`, `:` or `,`, up
/// to the next such separator. `-javaagent:/a.jar=9101:/b.yaml` gives `/a.jar` and `/b.yaml`;
/// `file:/etc/x` gives `/etc/x`. URLs (`//`) are skipped.
pub fn absolute_paths(text: &str) -> Vec<String> {
    let is_separator = |c: char| c.is_whitespace() || matches!(c, '=' | ':' | ',' | ';' | '"' | '\'');
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '/' && (i == 0 || is_separator(chars[i - 1]));
        if starts && chars.get(i + 1) != Some(&'/') {
            let end = (i..chars.len())
                .find(|&j| is_separator(chars[j]))
                .unwrap_or(chars.len());
            let path: String = chars[i..end].iter().collect();
            let path = path.trim_end_matches('/').to_owned();
            if !path.is_empty() && !out.contains(&path) {
                out.push(path);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `path` is `dir` or inside it (`/etc/kafka2` is not inside `/etc/kafka`).
pub fn is_within(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// `path` with exactly one leading `/`.
pub fn absolute(path: &str) -> String {
    format!("/{}", path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_paths_in_jvm_flags() {
        let flags = "-Djava.security.auth.login.config=/etc/kafka/zookeeper-jaas.cfg \
                     -javaagent:/opt/kafka/libs/jmx.jar=9101:/etc/kafka/jmx.yaml \
                     -Dlog4j.configuration=file:/etc/kafka/log4j.properties -Dhttp.proxyHost=http://x/";
        assert_eq!(
            absolute_paths(flags),
            [
                "/etc/kafka/zookeeper-jaas.cfg",
                "/opt/kafka/libs/jmx.jar",
                "/etc/kafka/jmx.yaml",
                "/etc/kafka/log4j.properties"
            ]
        );
        assert_eq!(
            absolute_paths("/opt/zk/bin/zkServer.sh --config /etc/zk start"),
            ["/opt/zk/bin/zkServer.sh", "/etc/zk"]
        );
    }

    #[test]
    fn within_compares_components() {
        assert!(is_within("/etc/kafka/a", "/etc/kafka"));
        assert!(is_within("/etc/kafka", "/etc/kafka/"));
        assert!(!is_within("/etc/kafka2", "/etc/kafka"));
        assert_eq!(absolute("opt/x"), "/opt/x");
    }
}
