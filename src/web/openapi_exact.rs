//! Tightens the generated API description to what the server reads, for the schemas requests
//! use: an object takes no field it does not list (the server refuses unknown fields), a
//! flattened object (`allOf` of objects) is one object, and a free text refuses the control
//! characters the server refuses (all but tab, line feed and carriage return). The derive
//! cannot say these things itself; doing them here, once, keeps every request type exact.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Text without control characters (Unicode `Cc`) other than tab, line feed and carriage
/// return: what `Violations::text` and the strict JSON reader accept.
pub const TEXT_PATTERN: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$";

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Applies every tightening to the description `doc` (OpenAPI 3.1 as JSON).
pub fn tighten(doc: &mut Value) {
    // First every flattened object, requests' and replies' alike: a reply built as `allOf` of a
    // closed request object and more fields would otherwise describe no reply at all.
    let originals = components_of(doc);
    flatten_everywhere(doc, &originals);
    let components = components_of(doc);
    let mut reachable = BTreeSet::new();
    if let Some(paths) = doc.get("paths") {
        for body in request_bodies(paths) {
            collect_refs(body, &components, &mut reachable);
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for name in &reachable {
            if let Some(schema) = schemas.get_mut(name) {
                tighten_schema(schema);
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for operation in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
                if let Some(content) = operation.pointer_mut("/requestBody/content/application~1json/schema") {
                    tighten_schema(content);
                }
            }
        }
    }
}

fn components_of(doc: &Value) -> Map<String, Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn flatten_everywhere(value: &mut Value, components: &Map<String, Value>) {
    merge_all_of(value, components);
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| flatten_everywhere(v, components)),
        Value::Array(items) => items.iter_mut().for_each(|v| flatten_everywhere(v, components)),
        _ => {}
    }
}

/// The JSON request bodies' schemas (multipart forms are read by their own rules).
fn request_bodies(paths: &Value) -> Vec<&Value> {
    paths
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|operation| operation.pointer("/requestBody/content/application~1json/schema"))
        .collect()
}

/// Every component `schema` refers to, directly or through others.
fn collect_refs(schema: &Value, components: &Map<String, Value>, found: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
                && found.insert(name.to_string())
                && let Some(target) = components.get(name)
            {
                collect_refs(target, components, found);
            }
            for value in map.values() {
                collect_refs(value, components, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, components, found)),
        _ => {}
    }
}

fn tighten_schema(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if is_free_text(map) {
        map.insert("pattern".into(), Value::String(TEXT_PATTERN.into()));
    }
    for key in ["properties"] {
        if let Some(properties) = map.get_mut(key).and_then(Value::as_object_mut) {
            properties.values_mut().for_each(tighten_schema);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key).filter(|v| v.is_object()) {
            tighten_schema(inner);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = map.get_mut(key).and_then(Value::as_array_mut) {
            variants.iter_mut().for_each(tighten_schema);
        }
    }
}

/// A string with no stated form (no enum, format, pattern or constant).
fn is_free_text(map: &Map<String, Value>) -> bool {
    let string = match map.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    string
        && !["enum", "format", "pattern", "const"]
            .iter()
            .any(|k| map.contains_key(*k))
}

/// `allOf` of objects (what `#[serde(flatten)]` derives) as one object, so that "no other
/// field" can be said of the whole: JSON Schema's `additionalProperties` sees only its own
/// object's `properties`.
fn merge_all_of(schema: &mut Value, components: &Map<String, Value>) {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return;
    };
    let resolved: Vec<Value> = parts.iter().map(|p| resolve(p, components)).collect();
    if !resolved.iter().all(|p| p.get("properties").is_some()) {
        return;
    }
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for part in &resolved {
        let mut part = part.clone();
        merge_all_of(&mut part, components);
        if let Some(p) = part.get("properties").and_then(Value::as_object) {
            properties.extend(p.clone());
        }
        if let Some(r) = part.get("required").and_then(Value::as_array) {
            required.extend(r.iter().cloned());
        }
    }
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    map.remove("allOf");
    map.insert("type".into(), Value::String("object".into()));
    map.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        map.insert("required".into(), Value::Array(required));
    }
}

fn resolve(schema: &Value, components: &Map<String, Value>) -> Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
        .and_then(|name| components.get(name))
        .cloned()
        .unwrap_or_else(|| schema.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}}}}},
            "components": {"schemas": {
                "Req": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "required": ["extra"], "properties": {"extra": {"type": "string"}}}]},
                "Base": {"type": "object", "required": ["name"], "properties": {"name": {"type": ["string", "null"]}, "kind": {"type": "string", "enum": ["a"]}, "inner": {"$ref": "#/components/schemas/Inner"}}},
                "Inner": {"type": "object", "properties": {"n": {"type": "integer"}}},
                "Reply": {"type": "object", "properties": {"text": {"type": "string"}}},
                "Whole": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"id": {"type": "string"}}}]}
            }}
        })
    }

    #[test]
    fn request_objects_are_closed_flattened_and_their_text_is_checked() {
        let mut d = doc();
        tighten(&mut d);
        let req = &d["components"]["schemas"]["Req"];
        assert_eq!(req["type"], "object");
        assert_eq!(req["additionalProperties"], false);
        assert_eq!(req["required"], json!(["name", "extra"]));
        assert_eq!(req["properties"]["name"]["pattern"], TEXT_PATTERN);
        assert_eq!(req["properties"]["extra"]["pattern"], TEXT_PATTERN);
        assert!(
            req["properties"]["kind"].get("pattern").is_none(),
            "a code list keeps its enum only"
        );
        assert_eq!(d["components"]["schemas"]["Inner"]["additionalProperties"], false);
        // Only what requests use changes: a reply is described as it is.
        assert!(
            d["components"]["schemas"]["Reply"]
                .get("additionalProperties")
                .is_none()
        );
        // A reply that flattens a request object is one object with both's fields, not an
        // `allOf` that the closed part would make unsatisfiable.
        let whole = &d["components"]["schemas"]["Whole"];
        assert!(whole.get("allOf").is_none());
        assert!(whole["properties"]["id"].is_object() && whole["properties"]["name"].is_object());
        assert!(whole.get("additionalProperties").is_none());
    }

    #[test]
    fn the_text_pattern_is_the_servers_rule() {
        // The pattern's classes, read by hand: exactly the Cc characters but \t, \n and \r.
        for c in (0u32..=0xA0).filter_map(char::from_u32) {
            let refused = c.is_control() && !matches!(c, '\n' | '\r' | '\t');
            let in_classes = matches!(c as u32, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F);
            assert_eq!(refused, in_classes, "{:#x}", c as u32);
        }
    }
}
