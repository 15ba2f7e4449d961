//! Relation interface libraries that speak the same wire format as Canonical's Python
//! charm libraries (being written).

pub mod error;
pub mod pyjson;
pub mod sensitive;
pub mod tls;
pub mod certificate_transfer;
pub mod dataplatform;
pub mod s3;
pub mod azure_storage;
pub mod spark_service_account;
pub mod cos;
pub mod ingress;
pub mod auth_proxy;
pub mod oauth;
