//! `functions/openapi.yaml` describes exactly the routes the route table lists —
//! the JSON API, the pages and the form posts — each with its protection: a bearer
//! token, the session cookie, or nothing.

use std::collections::BTreeMap;

use gazette_core::http::Access;

/// (method, path) → the security scheme the document names (`bearer`, `session`), if any.
fn documented() -> BTreeMap<(String, String), Option<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("functions/openapi.yaml");
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("openapi.yaml is YAML");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "an OpenAPI 3 document");
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    let mut documented = BTreeMap::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths").iter() {
        for (method, operation) in item.as_mapping().expect("path item").iter() {
            let method = method.as_str().unwrap();
            if methods.contains(&method) {
                let scheme = operation["security"]
                    .as_sequence()
                    .and_then(|reqs| reqs.first())
                    .and_then(|r| r.as_mapping())
                    .and_then(|m| m.keys().next())
                    .and_then(|k| k.as_str())
                    .map(str::to_owned);
                documented.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()), scheme);
            }
        }
    }
    documented
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_of_the_route_table_with_their_access() {
    let documented = documented();
    let served: BTreeMap<(String, String), Option<String>> = gazette_core::routes::table()
        .into_iter()
        .map(|r| {
            let scheme = match r.access {
                Access::Public => None,
                Access::Token => Some("bearer".to_owned()),
                Access::Session => Some("session".to_owned()),
            };
            ((r.method.as_str().to_owned(), r.path), scheme)
        })
        .collect();
    let missing: Vec<_> = served.keys().filter(|k| !documented.contains_key(*k)).collect();
    let extra: Vec<_> = documented.keys().filter(|k| !served.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "served but undocumented: {missing:?}; documented but not served: {extra:?}"
    );
    let differ: Vec<_> = served.iter().filter(|(k, v)| documented[*k] != **v).collect();
    assert!(differ.is_empty(), "documented with another protection than the table says: {differ:?}");
}

#[test]
fn the_table_lists_pages_and_form_posts_as_well_as_the_api() {
    let table = gazette_core::routes::table();
    for face in [gazette_core::routes::Face::Api, gazette_core::routes::Face::Page, gazette_core::routes::Face::Form] {
        assert!(table.iter().any(|r| r.face == face), "no {face:?} route");
    }
    assert!(table.iter().any(|r| r.path == "/web/act/registrations" && r.access == Access::Public));
}

/// The statuses an operation of `kind` can answer, whatever its workflow: what the
/// shared layers answer (the extractors, the token check, the body limit, the rate
/// limit, the store's back-off, a page's or form post's refusals). Issue 15,
/// point 15: an operation that documents fewer leaves its clients guessing.
fn statuses_of_its_kind(
    method: &str,
    path: &str,
    operation: &serde_yaml_ng::Value,
    doc: &serde_yaml_ng::Value,
) -> Vec<&'static str> {
    let parameter = |p: &serde_yaml_ng::Value| match p["$ref"].as_str() {
        Some(reference) => doc["components"]["parameters"][reference.rsplit('/').next().unwrap_or_default()].clone(),
        None => p.clone(),
    };
    let parameters: Vec<serde_yaml_ng::Value> =
        operation["parameters"].as_sequence().map(|ps| ps.iter().map(parameter).collect()).unwrap_or_default();
    let has_query = parameters.iter().any(|p| p["in"] == "query");
    let has_path = path.contains('{');
    let scheme = operation["security"][0].as_mapping().and_then(|m| m.keys().next()).and_then(|k| k.as_str());
    let json_body = !operation["requestBody"]["content"]["application/json"].is_null();
    let mut needed = Vec::new();
    if path.starts_with("/web/act/") {
        // A form post: 303 on or back; with `Accept: application/json`, `{redirect}`
        // or the API's refusal; a body it cannot read, a parameter too long for any id.
        needed.extend(["303", "200", "400", "401", "403", "404", "409", "422", "503"]);
        if scheme.is_none() {
            needed.push("429");
        }
    } else if path.starts_with("/web/") {
        // A page: drawn, or sent on (to sign in); its address unreadable; the API's
        // refusal (a record not the visitor's, a list the visitor's role must narrow)
        // drawn as a page.
        needed.extend(["200", "400", "404"]);
        if method == "post" {
            // A post without the visitor's anti-forgery token (sign-in, accounts).
            needed.push("403");
        }
        if scheme == Some("session") {
            needed.extend(["303", "403", "422"]);
        }
    } else {
        if has_path {
            needed.push("404");
        }
        if scheme == Some("bearer") {
            needed.extend(["401", "403"]);
        }
        if has_query {
            needed.push("400");
        }
        if json_body {
            needed.extend(["400", "413", "422"]);
        }
        if matches!(method, "post" | "put") && scheme == Some("bearer") {
            needed.push("503");
        }
        if (method, path) == ("post", "/registrations") {
            needed.push("429");
        }
    }
    needed
}

#[test]
fn every_operation_documents_the_statuses_of_its_kind() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("openapi.yaml")).unwrap();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        let path = path.as_str().unwrap_or_default();
        for (method, operation) in item.as_mapping().expect("path item") {
            let method = method.as_str().unwrap_or_default();
            if !["get", "put", "post", "delete", "patch"].contains(&method) {
                continue;
            }
            let responses = operation["responses"].as_mapping().expect("responses");
            for status in statuses_of_its_kind(method, path, operation, &doc) {
                if !responses.contains_key(status) {
                    missing.push(format!("{} {path}: {status}", method.to_uppercase()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented statuses:\n{}", missing.join("\n"));
}
