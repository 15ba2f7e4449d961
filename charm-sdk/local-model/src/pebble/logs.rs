//! Service output: a ring buffer per service, as Pebble keeps (`servicelog.RingBuffer`).
//!
//! Services write stdout and stderr into one pipe; each line becomes an entry with a time
//! and the service name, served by `GET /v1/logs` as newline-delimited JSON
//! `{"time","service","message"}` and optionally appended to a file for the model's log
//! view. Old lines are dropped once a service's buffer holds more than 100 KiB.

use std::collections::VecDeque;
use std::time::SystemTime;

use serde_json::json;

use super::timefmt::rfc3339_nano;

/// Pebble's per-service buffer size.
const MAX_BYTES: usize = 100 * 1024;

/// One line of service output.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) time: SystemTime,
    pub(crate) service: String,
    /// The line, with its newline.
    pub(crate) message: String,
}

impl Entry {
    /// The `/v1/logs` JSON line.
    pub(crate) fn to_json_line(&self) -> String {
        let mut line =
            json!({"time": rfc3339_nano(self.time), "service": self.service, "message": self.message}).to_string();
        line.push('\n');
        line
    }
}

/// The last lines of one service.
#[derive(Debug, Default)]
pub(crate) struct LogBuffer {
    entries: VecDeque<Entry>,
    bytes: usize,
}

impl LogBuffer {
    /// Adds a line, dropping the oldest ones beyond the size limit.
    pub(crate) fn push(&mut self, entry: Entry) {
        self.bytes += entry.message.len();
        self.entries.push_back(entry);
        while self.bytes > MAX_BYTES {
            match self.entries.pop_front() {
                Some(old) => self.bytes -= old.message.len(),
                None => break,
            }
        }
    }

    /// The last `n` entries (all when `None`).
    pub(crate) fn last(&self, n: Option<usize>) -> Vec<Entry> {
        let skip = n.map(|n| self.entries.len().saturating_sub(n)).unwrap_or(0);
        self.entries.iter().skip(skip).cloned().collect()
    }

    /// The last `n` lines as text (for task logs of failed starts).
    pub(crate) fn tail_text(&self, n: usize) -> String {
        self.last(Some(n))
            .iter()
            .map(|e| format!("    {}", e.message.trim_end()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_tail() {
        let mut buffer = LogBuffer::default();
        for i in 0..5000 {
            buffer.push(Entry {
                time: SystemTime::now(),
                service: "s".into(),
                message: format!("line {i:040}\n"),
            });
        }
        let all = buffer.last(None);
        assert!(all.len() < 5000 && all.len() > 1000);
        assert!(all.last().is_some_and(|e| e.message.contains("4999")));
        assert_eq!(buffer.last(Some(2)).len(), 2);
    }
}
