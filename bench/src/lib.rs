//! The field-day benchmark of issue 8: a district's two-day enrolment drive, replayed through
//! Mitan and through the systems police would otherwise use, on the same workload in one run,
//! measured at the socket.

pub mod child;
pub mod link;
pub mod parallel;
pub mod records;
pub mod report;
pub mod run;
pub mod system;
pub mod workload;
