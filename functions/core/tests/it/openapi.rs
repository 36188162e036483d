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
