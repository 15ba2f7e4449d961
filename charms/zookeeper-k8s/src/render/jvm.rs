//! The JVM side of the server: `SERVER_JVMFLAGS`, the logback configuration and the JMX
//! exporter's rules.
//!
//! The log level lives in our own `logback.xml` (scanned every 30 s) rather than in a JVM flag
//! as in the Python charm: changing `log-level` then takes effect without restarting the
//! ensemble. The JMX exporter agent is added only when the image ships its jar.

use super::Bind;
use crate::literals::{JAAS, JMX_AGENT, JMX_CONFIG, JMX_PORT, LOGBACK, LOG_DIR, SUPER_USER};

/// `SERVER_JVMFLAGS` for the service environment.
pub fn server_jvmflags(jmx_exporter: bool, bind: &Bind) -> String {
    let mut flags = vec![
        "-Dzookeeper.requireClientAuthScheme=sasl".to_owned(),
        format!("-Dzookeeper.superUser={SUPER_USER}"),
        format!("-Djava.security.auth.login.config={JAAS}"),
        format!("-Dlogback.configurationFile={LOGBACK}"),
    ];
    if jmx_exporter {
        let listen = match bind {
            Bind::All => JMX_PORT.to_string(),
            Bind::Address(address) => format!("{address}:{JMX_PORT}"),
        };
        flags.push("-Dcom.sun.management.jmxremote".to_owned());
        flags.push(format!("-javaagent:{JMX_AGENT}={listen}:{JMX_CONFIG}"));
    }
    flags.join(" ")
}

/// `logback.xml`: console (Pebble, hence log forwarding) and a rolling `zookeeper.log`, plus
/// the audit log in its own file; `level` is logback's (`WARN`, not `WARNING`).
pub fn logback_xml(level: &str) -> String {
    let pattern = "%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n";
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by the zookeeper-k8s charm; changes are overwritten. -->
<configuration scan="true" scanPeriod="30 seconds">
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>{pattern}</pattern>
    </encoder>
  </appender>
  <appender name="ROLLINGFILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>{LOG_DIR}/zookeeper.log</file>
    <encoder>
      <pattern>{pattern}</pattern>
    </encoder>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>{LOG_DIR}/zookeeper.log.%i</fileNamePattern>
      <maxIndex>10</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>100MB</maxFileSize>
    </triggeringPolicy>
  </appender>
  <appender name="AUDIT" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>{LOG_DIR}/zookeeper_audit.log</file>
    <encoder>
      <pattern>{pattern}</pattern>
    </encoder>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>{LOG_DIR}/zookeeper_audit.log.%i</fileNamePattern>
      <maxIndex>10</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>10MB</maxFileSize>
    </triggeringPolicy>
  </appender>
  <logger name="org.apache.zookeeper.audit.Slf4jAuditLogger" level="INFO" additivity="false">
    <appender-ref ref="AUDIT"/>
  </logger>
  <root level="{level}">
    <appender-ref ref="CONSOLE"/>
    <appender-ref ref="ROLLINGFILE"/>
  </root>
</configuration>
"#
    )
}

/// The JMX exporter's rules: every MBean, lower-cased names.
pub fn jmx_exporter_config() -> &'static str {
    "lowercaseOutputName: true\nlowercaseOutputLabelNames: true\nrules:\n  - pattern: \".*\"\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jmx_agent_binds_the_loopback_address_when_asked() {
        let flags = server_jvmflags(true, &Bind::Address("127.0.1.2".into()));
        assert!(flags.ends_with("jmx_prometheus_javaagent.jar=127.0.1.2:9998:/etc/zookeeper/jmx_prometheus.yaml"));
        assert!(!server_jvmflags(false, &Bind::All).contains("javaagent"));
    }

    #[test]
    fn logback_sets_the_root_level() {
        assert!(logback_xml("WARN").contains("<root level=\"WARN\">"));
    }
}
