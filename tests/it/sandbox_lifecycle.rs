//! Starting and stopping the sandbox from the library, as the `sandbox` profile does, and
//! changing its faults through the handle.

use crate::sandbox_common;

use std::time::Duration;

use cxda::sandbox::{Faults, Sandbox, SandboxConfig, SandboxError};
use sandbox_common::*;

#[tokio::test]
async fn plain_http_serves_on_loopback_without_a_ca() {
    let sandbox = start_plain().await;
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    assert_ne!(sandbox.addr().port(), 0);
    assert_eq!(sandbox.ca_pem(), None);
    assert_eq!(sandbox.ca_path(), None);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sandbox = start_plain().await;
    let url = format!("{}/_sandbox/stats", sandbox.base_url());
    assert_eq!(client().get(&url).send().await.expect("up").status(), 200);
    tokio::time::timeout(Duration::from_secs(10), sandbox.shutdown())
        .await
        .expect("shutdown finishes");
    assert!(client().get(&url).send().await.is_err());
}

#[tokio::test]
async fn a_port_in_use_is_a_bind_error_naming_the_address() {
    let first = start_plain().await;
    let error = Sandbox::start(SandboxConfig {
        addr: first.addr(),
        ..SandboxConfig::default()
    })
    .await
    .expect_err("the port is taken");
    assert!(matches!(error, SandboxError::Bind { addr, .. } if addr == first.addr()));
    assert!(error.to_string().contains(&first.addr().to_string()));
}

#[tokio::test]
async fn faults_set_through_the_handle_apply_to_the_next_request() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    sandbox.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::off()
    });
    assert_eq!(sandbox.faults().error_rate, 1.0);
    assert_eq!(
        create(&client, &sandbox, &token, "Handle").await.status(),
        503
    );
}
