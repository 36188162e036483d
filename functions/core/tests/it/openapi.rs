//! `functions/openapi.yaml` describes exactly the routes the router serves.

use std::collections::BTreeSet;

#[test]
fn the_openapi_document_lists_exactly_the_routes_the_router_registers() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("functions/openapi.yaml");
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("openapi.yaml is YAML");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "an OpenAPI 3 document");
    let methods = ["get", "put", "post", "delete", "patch", "head", "options"];
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths").iter() {
        for (method, _) in item.as_mapping().expect("path item").iter() {
            let method = method.as_str().unwrap();
            if methods.contains(&method) {
                documented.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    let served: BTreeSet<_> =
        gazette_core::http::route_table().into_iter().map(|(m, p)| (m.as_str().to_owned(), p.to_owned())).collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "served but undocumented: {missing:?}; documented but not served: {extra:?}"
    );
}
