//! The heartbeat engine: batches progress into RecordActivityTaskHeartbeat calls.
