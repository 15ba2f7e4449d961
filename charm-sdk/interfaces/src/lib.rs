//! Relation interface libraries that speak the same wire format as Canonical's Python
//! charm libraries (being written).

pub mod auth_proxy;
pub mod azure_storage;
pub mod certificate_transfer;
pub mod cos;
pub mod dataplatform;
pub mod error;
pub mod ingress;
pub mod oauth;
pub mod pyjson;
pub mod s3;
pub mod sensitive;
pub mod spark_service_account;
pub mod tls;
