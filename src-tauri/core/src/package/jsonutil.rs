//! Small JSON helpers the validator needs and serde_json does not offer: classifying raw bytes
//! (BOM, UTF-8, syntax with line/column), JSON Pointers, and mapping a pointer back to a
//! line/column so findings can point into the file.

use serde_json::Value;

pub(crate) enum JsonProblem {
    NotUtf8 {
        offset: usize,
    },
    Syntax {
        message: String,
        line: u32,
        column: u32,
    },
    NotAnObject,
}

pub(crate) struct ParsedJson {
    pub value: Value,
    pub had_bom: bool,
    /// Text without BOM, kept for pointer → line/column lookups.
    pub text: String,
}

pub(crate) fn parse_object(bytes: &[u8]) -> Result<ParsedJson, JsonProblem> {
    let (had_bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let text = std::str::from_utf8(body)
        .map_err(|e| JsonProblem::NotUtf8 {
            offset: e.valid_up_to() + if had_bom { 3 } else { 0 },
        })?
        .to_string();
    let value: Value = serde_json::from_str(&text).map_err(|e| JsonProblem::Syntax {
        message: e.to_string(),
        line: u32::try_from(e.line()).unwrap_or(u32::MAX),
        column: u32::try_from(e.column()).unwrap_or(u32::MAX),
    })?;
    if !value.is_object() {
        return Err(JsonProblem::NotAnObject);
    }
    Ok(ParsedJson {
        value,
        had_bom,
        text,
    })
}

pub(crate) fn escape_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

pub(crate) fn unescape_token(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

pub(crate) fn child(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape_token(token))
}

pub(crate) fn index(parent: &str, i: usize) -> String {
    format!("{parent}/{i}")
}

/// Calls `f(pointer, string)` for every string value in `v`.
pub(crate) fn walk_strings(v: &Value, pointer: &mut String, f: &mut dyn FnMut(&str, &str)) {
    match v {
        Value::String(s) => f(pointer, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk_strings(item, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(k));
                walk_strings(item, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Finds an unresolved template placeholder: `${{X}}` (Teams Toolkit), `{{X}}` (mustache),
/// `<<X>>` (vendor templates). Single braces are not placeholders: command descriptions use
/// `{ID}` to describe arguments.
pub(crate) fn find_placeholder(s: &str) -> Option<&str> {
    for (open, close) in [("${{", "}}"), ("{{", "}}"), ("<<", ">>")] {
        let mut from = 0;
        while let Some(rel) = s[from..].find(open) {
            let start = from + rel;
            let inner_start = start + open.len();
            if let Some(end_rel) = s[inner_start..].find(close) {
                let inner = s[inner_start..inner_start + end_rel].trim();
                let plausible = !inner.is_empty()
                    && inner.len() <= 100
                    && inner
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-$ ".contains(c));
                if plausible {
                    return Some(&s[start..inner_start + end_rel + close.len()]);
                }
            }
            from = inner_start;
        }
    }
    None
}

/// 1-based line and column (in characters) of the value a JSON Pointer designates in `text`.
/// `text` must be valid JSON; returns `None` when the pointer does not resolve.
pub(crate) fn locate(text: &str, pointer: &str) -> Option<(u32, u32)> {
    let pos = locate_offset(text, pointer)?;
    let before = text.get(..pos)?;
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((u32::try_from(line).ok()?, u32::try_from(col).ok()?))
}

/// Byte range of the value a JSON Pointer designates in `text`.
pub(crate) fn value_span(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let start = locate_offset(text, pointer)?;
    let end = skip_value(text.as_bytes(), start)?;
    Some((start, end))
}

fn locate_offset(text: &str, pointer: &str) -> Option<usize> {
    let tokens: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(unescape_token)
            .collect()
    };
    let b = text.as_bytes();
    let mut pos = skip_ws(b, 0);
    for tok in &tokens {
        match *b.get(pos)? {
            b'{' => {
                pos = skip_ws(b, pos + 1);
                loop {
                    if *b.get(pos)? == b'}' {
                        return None;
                    }
                    let (key, after) = read_string(b, pos)?;
                    pos = skip_ws(b, after);
                    if *b.get(pos)? != b':' {
                        return None;
                    }
                    pos = skip_ws(b, pos + 1);
                    if key == *tok {
                        break;
                    }
                    pos = skip_ws(b, skip_value(b, pos)?);
                    match *b.get(pos)? {
                        b',' => pos = skip_ws(b, pos + 1),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                let want: usize = tok.parse().ok()?;
                pos = skip_ws(b, pos + 1);
                for _ in 0..want {
                    if *b.get(pos)? == b']' {
                        return None;
                    }
                    pos = skip_ws(b, skip_value(b, pos)?);
                    match *b.get(pos)? {
                        b',' => pos = skip_ws(b, pos + 1),
                        _ => return None,
                    }
                }
                if *b.get(pos)? == b']' {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(pos)
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && matches!(b[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

fn read_string(b: &[u8], pos: usize) -> Option<(String, usize)> {
    if *b.get(pos)? != b'"' {
        return None;
    }
    let end = skip_string(b, pos)?;
    let s: String = serde_json::from_slice(b.get(pos..end)?).ok()?;
    Some((s, end))
}

fn skip_string(b: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_value(b: &[u8], pos: usize) -> Option<usize> {
    match *b.get(pos)? {
        b'"' => skip_string(b, pos),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = pos;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = skip_string(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = pos;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                i += 1;
            }
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_single_braces_are_not() {
        assert_eq!(find_placeholder("id ${{BOT_ID}} x"), Some("${{BOT_ID}}"));
        assert_eq!(
            find_placeholder("{{ TEAMS_APP_ID }}"),
            Some("{{ TEAMS_APP_ID }}")
        );
        assert_eq!(find_placeholder("a <<TENANT>>"), Some("<<TENANT>>"));
        assert_eq!(find_placeholder("linkTeam {ID}"), None);
        assert_eq!(find_placeholder("a << b"), None);
        assert_eq!(find_placeholder("x {{}} y"), None);
        assert_eq!(find_placeholder("1 << 2 >> 3"), None);
    }

    #[test]
    fn locate_finds_nested_values() {
        let text = "{\n  \"a\": 1,\n  \"b/c\": {\"x\": [10, {\"y\": \"z\"}]}\n}";
        assert_eq!(locate(text, ""), Some((1, 1)));
        assert_eq!(locate(text, "/a"), Some((2, 8)));
        assert_eq!(locate(text, "/b~1c/x/1/y"), Some((3, 27)));
        assert_eq!(locate(text, "/b~1c/x/2"), None);
        assert_eq!(locate(text, "/nope"), None);
    }

    #[test]
    fn parse_object_classifies_problems() {
        assert!(matches!(
            parse_object(b"{\"a\": 1,}"),
            Err(JsonProblem::Syntax { line: 1, .. })
        ));
        assert!(matches!(
            parse_object(b"[1]"),
            Err(JsonProblem::NotAnObject)
        ));
        assert!(matches!(
            parse_object(b"{\"a\": \"\xff\"}"),
            Err(JsonProblem::NotUtf8 { offset: 7 })
        ));
        let p = parse_object(b"\xEF\xBB\xBF{}").ok().unwrap();
        assert!(p.had_bom);
    }
}
