//! `infra/template.yaml` wires exactly the routes `functions/openapi.yaml` documents,
//! each with the same protection: a route with a bearer security requirement has the
//! JWT authorizer, a public one has none.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

type Route = (String, String);

fn read_yaml(relative: &str) -> Value {
    let path = format!("{}/../../{relative}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // SAM's short intrinsics (`!Ref`, `!Sub`, `!GetAtt`, `!If`) stay tagged values.
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

/// (method, path) → needs a token, from the OpenAPI document.
fn documented_routes() -> BTreeMap<Route, bool> {
    let doc = read_yaml("functions/openapi.yaml");
    assert!(
        doc.get("security").is_none(),
        "a document-wide security requirement would protect every route; say it per operation"
    );
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    let mut routes = BTreeMap::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths").iter() {
        for (method, operation) in item.as_mapping().expect("path item").iter() {
            let method = method.as_str().expect("method");
            if !methods.contains(&method) {
                continue;
            }
            let bearer = operation["security"]
                .as_sequence()
                .is_some_and(|reqs| reqs.iter().any(|r| r.as_mapping().is_some_and(|m| m.contains_key("bearer"))));
            routes.insert((method.to_uppercase(), path.as_str().expect("path").to_owned()), bearer);
        }
    }
    routes
}

/// (method, path) → (function, authorizer), from the HttpApi events of the template.
fn wired_routes() -> BTreeMap<Route, (String, String)> {
    let template = read_yaml("infra/template.yaml");
    let mut routes = BTreeMap::new();
    for (name, resource) in template["Resources"].as_mapping().expect("Resources").iter() {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else { continue };
        let function = name.as_str().expect("resource name").to_owned();
        for (event, spec) in events.iter() {
            if spec["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let props = &spec["Properties"];
            let method =
                props["Method"].as_str().unwrap_or_else(|| panic!("{function}.{event:?}: Method")).to_uppercase();
            let path = props["Path"].as_str().unwrap_or_else(|| panic!("{function}.{event:?}: Path")).to_owned();
            let authorizer = props["Auth"]["Authorizer"]
                .as_str()
                .unwrap_or_else(|| {
                    panic!("{function} {method} {path}: say Auth.Authorizer (GazetteJwt or NONE) on every route")
                })
                .to_owned();
            let previous = routes.insert((method.clone(), path.clone()), (function.clone(), authorizer));
            assert!(previous.is_none(), "{method} {path} is wired twice");
        }
    }
    routes
}

#[test]
fn the_template_wires_exactly_the_documented_routes() {
    let documented: BTreeSet<Route> = documented_routes().into_keys().collect();
    let wired: BTreeSet<Route> = wired_routes().into_keys().collect();
    let unwired: Vec<_> = documented.difference(&wired).collect();
    let undocumented: Vec<_> = wired.difference(&documented).collect();
    assert!(
        unwired.is_empty() && undocumented.is_empty(),
        "documented but not wired in infra/template.yaml: {unwired:?}; wired but not documented: {undocumented:?}"
    );
}

#[test]
fn routes_that_need_a_token_have_the_jwt_authorizer_and_public_ones_none() {
    let wired = wired_routes();
    let mut wrong = Vec::new();
    for (route, needs_token) in documented_routes() {
        let Some((function, authorizer)) = wired.get(&route) else { continue };
        let expected = if needs_token { "GazetteJwt" } else { "NONE" };
        if authorizer != expected {
            wrong.push(format!("{} {} ({function}): {authorizer}, expected {expected}", route.0, route.1));
        }
    }
    assert!(wrong.is_empty(), "authorizers disagree with openapi.yaml's security:\n{}", wrong.join("\n"));
}

#[test]
fn every_function_routed_to_exists_with_the_arm64_custom_runtime() {
    let template = read_yaml("infra/template.yaml");
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Architectures"][0].as_str(), Some("arm64"));
    let functions: BTreeSet<String> = wired_routes().into_values().map(|(function, _)| function).collect();
    for function in &functions {
        let resource = &template["Resources"][function.as_str()];
        assert_eq!(resource["Type"].as_str(), Some("AWS::Serverless::Function"), "{function}");
        let code = resource["Properties"]["CodeUri"].as_str().unwrap_or_default();
        assert!(
            code.starts_with("../target/lambda/gazette-"),
            "{function}: CodeUri {code:?} is not a cargo lambda output"
        );
    }
    assert_eq!(functions.len(), 3, "registration, reports and cases: {functions:?}");
}

#[test]
fn the_template_wires_every_route_of_the_route_table_pages_and_form_posts_included() {
    let wired = wired_routes();
    let table = gazette_core::routes::table();
    let missing: Vec<String> = table
        .iter()
        .filter(|r| !wired.contains_key(&(r.method.as_str().to_owned(), r.path.clone())))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "routes of the table not wired in infra/template.yaml: {missing:?}");
    for route in &table {
        let (function, authorizer) = &wired[&(route.method.as_str().to_owned(), route.path.clone())];
        let expected = if route.access == gazette_core::http::Access::Token { "GazetteJwt" } else { "NONE" };
        assert_eq!(authorizer, expected, "{} {} ({function})", route.method, route.path);
    }
    assert_eq!(wired.len(), table.len(), "the template wires routes the table does not list");
}

#[test]
fn cloudfront_sends_the_security_headers_gazette_serve_sends() {
    let template = read_yaml("infra/template.yaml");
    let policy = &template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let hsts = &policy["StrictTransportSecurity"];
    let mut max_age = format!("max-age={}", hsts["AccessControlMaxAgeSec"].as_u64().expect("HSTS max age"));
    if hsts["IncludeSubdomains"].as_bool() == Some(true) {
        max_age.push_str("; includeSubDomains");
    }
    if hsts["Preload"].as_bool() == Some(true) {
        max_age.push_str("; preload");
    }
    let cloudfront: BTreeMap<&str, String> = BTreeMap::from([
        ("content-security-policy", policy["ContentSecurityPolicy"]["ContentSecurityPolicy"].as_str().unwrap().into()),
        ("x-content-type-options", "nosniff".into()),
        ("x-frame-options", policy["FrameOptions"]["FrameOption"].as_str().unwrap().into()),
        ("referrer-policy", policy["ReferrerPolicy"]["ReferrerPolicy"].as_str().unwrap().into()),
        ("strict-transport-security", max_age),
    ]);
    assert!(policy["ContentTypeOptions"].is_mapping(), "X-Content-Type-Options: nosniff is set");
    let serve: BTreeMap<&str, String> =
        gazette_site::serve::SECURITY_HEADERS.iter().map(|(k, v)| (*k, v.to_string())).collect();
    assert_eq!(serve, cloudfront);
    assert!(cloudfront["content-security-policy"].contains("frame-ancestors 'none'"));
}

#[test]
fn cloudfront_sends_api_to_the_functions_uncached_and_the_rest_from_the_site_bucket() {
    let template = read_yaml("infra/template.yaml");
    let config = &template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"];
    let api = config["CacheBehaviors"]
        .as_sequence()
        .and_then(|b| b.iter().find(|b| b["PathPattern"].as_str() == Some("/api/*")))
        .expect("an /api/* behaviour");
    assert_eq!(api["TargetOriginId"].as_str(), Some("api"));
    // Managed CachingDisabled; every method (form posts, uploads' PUT).
    assert_eq!(api["CachePolicyId"].as_str(), Some("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"));
    assert_eq!(api["AllowedMethods"].as_sequence().map(Vec::len), Some(7));
    assert_eq!(config["DefaultCacheBehavior"]["TargetOriginId"].as_str(), Some("site"));
}

#[test]
fn records_that_expire_carry_the_ttl_attribute_the_table_declares() {
    let template = read_yaml("infra/template.yaml");
    let ttl = &template["Resources"]["Table"]["Properties"]["TimeToLiveSpecification"];
    assert_eq!(ttl["AttributeName"].as_str(), Some(gazette_core::store::TTL_ATTRIBUTE));
    assert_eq!(ttl["Enabled"].as_bool(), Some(true));
}

/// The user pool of the template is the one `CognitoAccounts` expects: its custom
/// attributes, no sign-up but the admin's, the admin sign-in flow on its app client,
/// which the JWT authorizer names as issuer and audience, and every function told
/// which pool and allowed its admin API.
#[test]
fn the_template_declares_the_user_pool_the_cognito_accounts_expect() {
    use gazette_core::accounts::cognito::CUSTOM_ATTRIBUTES;
    let template = read_yaml("infra/template.yaml");
    let resources = &template["Resources"];
    let pool = &resources["UserPool"]["Properties"];
    let declared: Vec<&str> =
        pool["Schema"].as_sequence().expect("Schema").iter().filter_map(|a| a["Name"].as_str()).collect();
    assert_eq!(declared, CUSTOM_ATTRIBUTES, "UserPool.Schema and accounts/cognito CUSTOM_ATTRIBUTES differ");
    assert_eq!(pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"].as_bool(), Some(true), "no self sign-up");
    assert_eq!(
        pool["Policies"]["PasswordPolicy"]["MinimumLength"].as_i64(),
        Some(gazette_core::accounts::cognito::POOL_MIN_PASSWORD_LENGTH.into())
    );
    let client = &resources["UserPoolClient"]["Properties"];
    let flows: Vec<&str> =
        client["ExplicitAuthFlows"].as_sequence().expect("flows").iter().filter_map(|f| f.as_str()).collect();
    assert_eq!(flows, ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    let writable = format!("{:?}", client["WriteAttributes"]);
    assert!(!writable.contains("custom:"), "an account must not write its own status or steward: {writable}");
    let jwt = &resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]["GazetteJwt"]["JwtConfiguration"];
    assert!(format!("{:?}", jwt["issuer"]).contains("${UserPool}"), "{:?}", jwt["issuer"]);
    assert!(format!("{:?}", jwt["audience"]).contains("UserPoolClient"), "{:?}", jwt["audience"]);
    let env = &template["Globals"]["Function"]["Environment"]["Variables"];
    for variable in ["GAZETTE_USER_POOL_ID", "GAZETTE_USER_POOL_CLIENT_ID"] {
        assert!(!env[variable].is_null(), "the functions are not given {variable}");
    }
    let roles = format!("{:?}", resources["AccountsPolicy"]["Properties"]["Roles"]);
    for function in ["RegistrationFunction", "ReportsFunction", "CasesFunction"] {
        assert!(roles.contains(&format!("{function}Role")), "{function} may not call the pool's admin API");
    }
}
