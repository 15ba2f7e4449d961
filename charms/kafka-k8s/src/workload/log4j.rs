//! Broker logging, with the authorizer's audit log in a file of its own.
//!
//! The layout is the charmed-kafka rock's (`snap/local/etc/kafka/log4j.properties` of
//! canonical/charmed-kafka-snap): `server.log` for the root logger, and separate rolling
//! files (100 MB × 10) for state changes, requests, the log cleaner, the controller and the
//! authorizer. Kafka's authorizers (AclAuthorizer, StandardAuthorizer) log through the
//! `kafka.authorizer.logger` logger: denials at INFO, allows at DEBUG, so at INFO
//! `kafka-authorizer.log` is an audit log of denied requests. Two choices differ from the
//! rock's file: the audit logger never goes below INFO (with `log-level=WARNING` denials
//! would otherwise vanish), and the root logger also writes to stdout so Pebble's log
//! forwarding (COS) sees the broker. Kafka 3.x reads log4j 1.x properties, Kafka 4.x log4j2
//! (`-Dlog4j2.configurationFile`, see [`super::env`]); both are rendered from the same list.

use super::inputs::KafkaLine;

/// A dedicated rolling file and the loggers that write only to it.
struct FileLog {
    appender: &'static str,
    file: &'static str,
    loggers: &'static [&'static str],
}

const FILES: [FileLog; 5] = [
    FileLog {
        appender: "stateChangeAppender",
        file: "state-change.log",
        loggers: &["state.change.logger"],
    },
    FileLog {
        appender: "requestAppender",
        file: "kafka-request.log",
        loggers: &["kafka.request.logger", "kafka.network.RequestChannel$"],
    },
    FileLog {
        appender: "cleanerAppender",
        file: "log-cleaner.log",
        loggers: &[
            "kafka.log.LogCleaner",
            "org.apache.kafka.storage.internals.log.LogCleaner",
        ],
    },
    FileLog {
        appender: "controllerAppender",
        file: "controller.log",
        loggers: &["kafka.controller", "org.apache.kafka.controller"],
    },
    FileLog {
        appender: "authorizerAppender",
        file: "kafka-authorizer.log",
        loggers: &["kafka.authorizer.logger"],
    },
];

const PATTERN: &str = "[%d] %p %m (%c)%n";
const MAX_FILE_SIZE: &str = "100MB";
const MAX_BACKUPS: u32 = 10;

/// The log4j level for the charm's `log-level` value (`WARNING` is `WARN`).
pub fn java_level(log_level: &str) -> &'static str {
    match log_level {
        "DEBUG" => "DEBUG",
        "WARNING" | "WARN" => "WARN",
        "ERROR" => "ERROR",
        _ => "INFO",
    }
}

/// The level of a dedicated logger: requests at WARN (they are very chatty), the audit log
/// at INFO at least, the rest at the configured level.
fn logger_level(logger: &str, level: &'static str) -> &'static str {
    match logger {
        "kafka.request.logger" | "kafka.network.RequestChannel$" => {
            if level == "DEBUG" {
                "DEBUG"
            } else {
                "WARN"
            }
        }
        "kafka.authorizer.logger" => {
            if level == "DEBUG" {
                "DEBUG"
            } else {
                "INFO"
            }
        }
        _ => level,
    }
}

/// The broker's logging configuration for the Kafka line: log4j 1.x properties on 3.x,
/// log4j2 YAML on 4.x.
pub fn broker_logging(kafka: KafkaLine, log_level: &str) -> String {
    match kafka {
        KafkaLine::V3_9 => log4j_properties(log_level),
        KafkaLine::V4 => log4j2_yaml(log_level),
    }
}

/// `log4j.properties` (Kafka 3.x).
pub fn log4j_properties(log_level: &str) -> String {
    let level = java_level(log_level);
    let mut out = String::new();
    let appender = |out: &mut String, name: &str, file: &str| {
        out.push_str(&format!(
            "log4j.appender.{name}=org.apache.log4j.RollingFileAppender\n\
             log4j.appender.{name}.File=${{kafka.logs.dir}}/{file}\n\
             log4j.appender.{name}.MaxFileSize={MAX_FILE_SIZE}\n\
             log4j.appender.{name}.MaxBackupIndex={MAX_BACKUPS}\n\
             log4j.appender.{name}.layout=org.apache.log4j.PatternLayout\n\
             log4j.appender.{name}.layout.ConversionPattern={PATTERN}\n\n"
        ));
    };
    out.push_str(&format!("log4j.rootLogger={level}, kafkaAppender, stdout\n\n"));
    out.push_str(&format!(
        "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n\
         log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n\
         log4j.appender.stdout.layout.ConversionPattern={PATTERN}\n\n"
    ));
    appender(&mut out, "kafkaAppender", "server.log");
    for file in &FILES {
        appender(&mut out, file.appender, file.file);
    }
    for logger in ["kafka", "org.apache.kafka", "org.apache.zookeeper"] {
        out.push_str(&format!("log4j.logger.{logger}={level}\n"));
    }
    out.push('\n');
    for file in &FILES {
        for logger in file.loggers {
            out.push_str(&format!(
                "log4j.logger.{logger}={}, {}\nlog4j.additivity.{logger}=false\n",
                logger_level(logger, level),
                file.appender
            ));
        }
    }
    out
}

/// `log4j2.yaml` (Kafka 4.x).
pub fn log4j2_yaml(log_level: &str) -> String {
    let level = java_level(log_level);
    let mut out = String::from("Configuration:\n  name: KafkaBroker\n  Properties:\n    Property:\n");
    out.push_str("      - name: kafka.logs.dir\n        value: \"${sys:kafka.logs.dir:-/var/log/kafka}\"\n");
    out.push_str(&format!("      - name: logPattern\n        value: \"{PATTERN}\"\n"));
    out.push_str(
        "  Appenders:\n    Console:\n      name: STDOUT\n      PatternLayout:\n        pattern: \"${logPattern}\"\n",
    );
    out.push_str("    RollingFile:\n");
    let rolling = |out: &mut String, name: &str, file: &str| {
        out.push_str(&format!(
            "      - name: {name}\n        fileName: \"${{kafka.logs.dir}}/{file}\"\n        \
             filePattern: \"${{kafka.logs.dir}}/{file}.%i\"\n        PatternLayout:\n          \
             pattern: \"${{logPattern}}\"\n        Policies:\n          SizeBasedTriggeringPolicy:\n            \
             size: \"{MAX_FILE_SIZE}\"\n        DefaultRolloverStrategy:\n          max: {MAX_BACKUPS}\n"
        ));
    };
    rolling(&mut out, "kafkaAppender", "server.log");
    for file in &FILES {
        rolling(&mut out, file.appender, file.file);
    }
    out.push_str(&format!(
        "  Loggers:\n    Root:\n      level: {level}\n      AppenderRef:\n        - ref: kafkaAppender\n        - ref: STDOUT\n    Logger:\n"
    ));
    for logger in ["kafka", "org.apache.kafka", "org.apache.zookeeper"] {
        out.push_str(&format!("      - name: {logger}\n        level: {level}\n"));
    }
    for file in &FILES {
        for logger in file.loggers {
            out.push_str(&format!(
                "      - name: \"{logger}\"\n        level: {}\n        additivity: false\n        AppenderRef:\n          - ref: {}\n",
                logger_level(logger, level),
                file.appender
            ));
        }
    }
    out
}

/// The command-line tools' logging (what the charm runs with `KAFKA_LOG4J_OPTS` pointing
/// here): warnings and errors to stderr only, so tool output stays parseable.
pub fn tools_logging(kafka: KafkaLine) -> String {
    match kafka {
        KafkaLine::V3_9 => format!(
            "log4j.rootLogger=WARN, stderr\n\
             log4j.appender.stderr=org.apache.log4j.ConsoleAppender\n\
             log4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n\
             log4j.appender.stderr.layout.ConversionPattern={PATTERN}\n\
             log4j.appender.stderr.Target=System.err\n"
        ),
        KafkaLine::V4 => format!(
            "Configuration:\n  Appenders:\n    Console:\n      name: STDERR\n      target: SYSTEM_ERR\n      \
             PatternLayout:\n        pattern: \"{PATTERN}\"\n  Loggers:\n    Root:\n      level: WARN\n      \
             AppenderRef:\n        - ref: STDERR\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_log_is_its_own_file_and_keeps_denials() {
        let text = log4j_properties("WARNING");
        assert!(text.contains("log4j.appender.authorizerAppender.File=${kafka.logs.dir}/kafka-authorizer.log"));
        assert!(text.contains("log4j.logger.kafka.authorizer.logger=INFO, authorizerAppender"));
        assert!(text.contains("log4j.additivity.kafka.authorizer.logger=false"));
        assert!(text.contains("log4j.rootLogger=WARN, kafkaAppender, stdout"));
        assert!(log4j_properties("DEBUG").contains("log4j.logger.kafka.authorizer.logger=DEBUG, authorizerAppender"));
    }

    #[test]
    fn log4j2_is_valid_yaml_with_the_audit_logger() {
        let text = log4j2_yaml("INFO");
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        let loggers = &doc["Configuration"]["Loggers"]["Logger"];
        let audit = loggers
            .as_sequence()
            .unwrap()
            .iter()
            .find(|l| l["name"] == "kafka.authorizer.logger")
            .unwrap();
        assert_eq!(audit["AppenderRef"][0]["ref"], "authorizerAppender");
        assert_eq!(audit["additivity"], false);
        let rolling = doc["Configuration"]["Appenders"]["RollingFile"].as_sequence().unwrap();
        assert!(rolling
            .iter()
            .any(|a| a["fileName"] == "${kafka.logs.dir}/kafka-authorizer.log"));
        let tools: serde_yaml_ng::Value = serde_yaml_ng::from_str(&tools_logging(KafkaLine::V4)).unwrap();
        assert_eq!(tools["Configuration"]["Loggers"]["Root"]["level"], "WARN");
    }
}
