//! The Cognito implementation of the accounts against moto's server: a fresh user
//! pool and app client per test (as `infra/template.yaml` shapes them), its listing
//! and audit log in a fresh DynamoDB table on the same server. The account contract
//! runs on it (`accounts_contract::cognito_moto`); here, what only Cognito has: its
//! tokens, verified against the pool's real keys, and what they carry.

use std::sync::Arc;

use gazette_core::accounts::cognito::tokens::TokenVerifier;
use gazette_core::accounts::cognito::{CognitoAccounts, PoolSignIn, PoolTokens, UserPool, group_name};
use gazette_core::accounts::policy::Lockout;
use gazette_core::accounts::{Accounts, Grant, NewAccount, Role, Scope, SharedAccounts};

use crate::support::Guard;

/// A pool, its table and the accounts over both, or `None` when moto is not installed
/// (outside CI).
pub async fn pool(lockout: Lockout) -> Option<(CognitoAccounts, String)> {
    let moto = crate::support::moto()?;
    let (store, _) = crate::support::dynamo().await?;
    let sdk = gazette_core::aws::local_sdk_config(&moto.endpoint);
    let pool = template_pool(&moto.endpoint).await;
    Some((CognitoAccounts::new(&sdk, pool, store).with_lockout(lockout), moto.endpoint.clone()))
}

/// One call of Cognito's JSON API on moto, with the body as given: the SDK leaves out
/// a `false` it holds as a plain bool (`RequireUppercase: false` …), which Cognito
/// reads as false and moto as true.
async fn call(endpoint: &str, operation: &str, body: serde_json::Value) -> serde_json::Value {
    let headers = [
        ("content-type", "application/x-amz-json-1.1".to_string()),
        ("x-amz-target", format!("AWSCognitoIdentityProviderService.{operation}")),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"
                .to_string(),
        ),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let (status, answer) =
        crate::attachments::http("POST", &format!("{endpoint}/"), &headers, body.to_string().as_bytes()).await;
    assert_eq!(status, 200, "{operation} on moto: {}", String::from_utf8_lossy(&answer));
    serde_json::from_slice(&answer).expect("JSON answer")
}

/// The properties of a resource of `infra/template.yaml`, as JSON, without those
/// given by CloudFormation functions (names, references).
fn template_properties(resource: &str) -> serde_json::Map<String, serde_json::Value> {
    let path = format!("{}/../../infra/template.yaml", env!("CARGO_MANIFEST_DIR"));
    let template: serde_yaml_ng::Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let properties = template["Resources"][resource]["Properties"].clone();
    let mapping = properties.as_mapping().expect("properties").clone();
    mapping
        .into_iter()
        .filter(|(_, v)| !matches!(v, serde_yaml_ng::Value::Tagged(_)))
        .map(|(k, v)| (k.as_str().unwrap().to_string(), serde_json::to_value(v).unwrap()))
        .collect()
}

/// The template's user pool and app client, created on moto.
async fn template_pool(endpoint: &str) -> UserPool {
    let mut pool = template_properties("UserPool");
    pool.insert("PoolName".into(), format!("gazette-test-{}", ulid::Ulid::new().to_string().to_lowercase()).into());
    let created = call(endpoint, "CreateUserPool", pool.into()).await;
    let id = created["UserPool"]["Id"].as_str().expect("pool id").to_string();
    let mut client = template_properties("UserPoolClient");
    client.insert("UserPoolId".into(), id.clone().into());
    client.insert("ClientName".into(), "gazette-test-functions".into());
    let created = call(endpoint, "CreateUserPoolClient", client.into()).await;
    let client_id = created["UserPoolClient"]["ClientId"].as_str().expect("client id").to_string();
    UserPool { id, client_id }
}

/// What the contract suite takes.
pub async fn accounts(lockout: Lockout) -> Option<(SharedAccounts, Guard)> {
    let (accounts, _) = pool(lockout).await?;
    Some((Arc::new(accounts) as SharedAccounts, Box::new(()) as Guard))
}

fn filler(username: &str, unit: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        name: "李四".into(),
        email: None,
        phone: Some("13800138000".into()),
        grants: vec![Grant::new(Role::Filler, Some(unit), None)],
        steward: Scope::Unit(unit.into()),
        pending: false,
    }
}

/// An active filler of `unit` with the password `river stone 2024`, and its tokens.
async fn signed_in_filler(accounts: &CognitoAccounts, username: &str, unit: &str) -> PoolTokens {
    let one_time = accounts.create("unit.admin", filler(username, unit)).await.unwrap().one_time_password.unwrap();
    let PoolSignIn::NewPasswordRequired { session, .. } = accounts.authenticate(username, &one_time).await.unwrap()
    else {
        panic!("a one-time password leads to Cognito's NEW_PASSWORD_REQUIRED");
    };
    accounts.complete_new_password(username, &session, "river stone 2024").await.unwrap();
    match accounts.authenticate(username, "river stone 2024").await.unwrap() {
        PoolSignIn::Tokens(tokens) => tokens,
        other => panic!("signed in, got {other:?}"),
    }
}

fn verifier(accounts: &CognitoAccounts, endpoint: &str) -> TokenVerifier {
    let pool = accounts.pool().clone();
    let jwks = pool.jwks_url(Some(endpoint));
    TokenVerifier::new(pool, jwks).with_accounts(Arc::new(accounts.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_and_access_tokens_of_the_pool_become_the_callers_claims() {
    let Some((accounts, endpoint)) = pool(crate::accounts_contract::LOCKOUT).await else { return };
    let tokens = signed_in_filler(&accounts, "qian.yi", "hebei-kjpt-001").await;
    let verifier = verifier(&accounts, &endpoint);
    for token in [&tokens.id_token, &tokens.access_token] {
        assert!(TokenVerifier::is_provider_token(token));
        let claims = verifier.verify(token).await.unwrap();
        assert_eq!(claims.sub, "qian.yi");
        assert_eq!(claims.role, Role::Filler);
        assert_eq!(claims.unit.as_deref(), Some("hebei-kjpt-001"));
        assert!(claims.exp > jiff::Timestamp::now().as_second());
    }
    let account = accounts.get("qian.yi").await.unwrap().unwrap();
    assert_eq!(account.phone.as_deref(), Some("13800138000"), "the phone reads back without +86");
    assert_eq!(account.grants, [Grant::new(Role::Filler, Some("hebei-kjpt-001"), None)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_client_or_pool_or_tampered_is_refused() {
    let Some((accounts, endpoint)) = pool(crate::accounts_contract::LOCKOUT).await else { return };
    let tokens = signed_in_filler(&accounts, "zheng.er", "u1").await;
    let pool = accounts.pool().clone();
    let other_client = UserPool { client_id: "another-client".into(), ..pool.clone() };
    let other = TokenVerifier::new(other_client, pool.jwks_url(Some(&endpoint)));
    assert_eq!(other.verify(&tokens.id_token).await, Err("invalid"), "aud of another client");
    assert_eq!(other.verify(&tokens.access_token).await, Err("invalid"), "client_id of another client");
    let other_pool = UserPool { id: "us-east-1_another".into(), ..pool.clone() };
    let other = TokenVerifier::new(other_pool, pool.jwks_url(Some(&endpoint)));
    assert_eq!(other.verify(&tokens.id_token).await, Err("invalid"), "iss of another pool");
    // The claims of one token under the signature of the other.
    let verifier = verifier(&accounts, &endpoint);
    let id: Vec<&str> = tokens.id_token.split('.').collect();
    let access: Vec<&str> = tokens.access_token.split('.').collect();
    let forged = format!("{}.{}.{}", id[0], access[1], id[2]);
    assert_eq!(verifier.verify(&forged).await, Err("invalid"));
    // An HS256 token is not the pool's.
    let hs = gazette_core::http::auth::mint_dev_token(
        b"secret",
        Role::NationalAdmin,
        None,
        None,
        std::time::Duration::from_secs(60),
    );
    assert!(!TokenVerifier::is_provider_token(&hs));
    assert_eq!(verifier.verify(&hs).await, Err("invalid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_role_or_a_disabled_account_refuses_its_earlier_token_at_once() {
    let Some((accounts, endpoint)) = pool(crate::accounts_contract::LOCKOUT).await else { return };
    let verifier = verifier(&accounts, &endpoint);
    let tokens = signed_in_filler(&accounts, "feng.san", "u1").await;
    let grant = Grant::new(Role::Filler, Some("u1"), None);
    assert!(verifier.verify(&tokens.access_token).await.is_ok());
    accounts.remove_grant("unit.admin", "feng.san", &grant).await.unwrap();
    assert_eq!(verifier.verify(&tokens.access_token).await, Err("account-changed"));
    accounts.add_grant("unit.admin", "feng.san", grant).await.unwrap();
    assert!(verifier.verify(&tokens.access_token).await.is_ok(), "the role given back");
    accounts.set_disabled("unit.admin", "feng.san", true).await.unwrap();
    assert_eq!(verifier.verify(&tokens.access_token).await, Err("account-changed"));
    accounts.set_disabled("unit.admin", "feng.san", false).await.unwrap();
    // The ID token carries the session epoch of its sign-in: disabling raised it.
    assert_eq!(verifier.verify(&tokens.id_token).await, Err("account-changed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_holds_the_grant_as_its_group_and_the_one_time_password_as_cognitos() {
    let Some((accounts, _)) = pool(crate::accounts_contract::LOCKOUT).await else { return };
    let created = accounts.create("unit.admin", filler("chu.si", "hebei-kjpt-009")).await.unwrap();
    assert!(created.account.must_change_password);
    let one_time = created.one_time_password.unwrap();
    match accounts.authenticate("chu.si", &one_time).await.unwrap() {
        PoolSignIn::NewPasswordRequired { username, .. } => assert_eq!(username, "chu.si"),
        other => panic!("expected NEW_PASSWORD_REQUIRED, got {other:?}"),
    }
    assert_eq!(group_name(&created.account.grants[0]), "filler@unit:hebei-kjpt-009");
}
