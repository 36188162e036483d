//! Integration tests of gazette-core, in one binary (one link of the AWS SDK).

#[macro_use]
mod support;

mod access;
mod accounts_contract;
mod attachments;
mod case_export;
mod choices;
mod cognito;
mod decisions;
mod error_shape;
mod infra;
mod integrity_cases_api;
mod learners;
mod learning_api;
mod learning_bench;
mod learning_external;
mod local_policies;
mod openapi;
mod outbox;
mod refusals;
mod registration_api;
mod reports_api;
mod store_contract;
mod tokens;
mod training_plan_api;
mod typical_cases_api;
mod web_cases;
mod web_pages;
