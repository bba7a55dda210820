//! OData query options as Graph implements them for the resources BotDeck uses, and
//! Graph's error shape.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Map, Value};

/// How long a throttled or faulted caller must wait.
///
/// Graph says it in seconds (`Retry-After`), whole or with decimals (its throttling guidance
/// shows `Retry-After: 2.128`). When the simulator runs with a `throttle_scale` other than 1 its
/// throttling clock is compressed, so waits are fractions of a second: it then also sends the
/// exact wait as `x-ms-retry-after-ms` (the header Azure front ends use for sub-second waits)
/// and counts a retry as early against that exact wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub ms: u64,
    pub exact: bool,
    /// `Retry-After` carries the wait with decimals (`1.5`) instead of whole seconds.
    pub decimal: bool,
}

impl RetryAfter {
    /// A wait of `simulated_secs` (decimals allowed: a fault rule's `1.5` is sent as
    /// `Retry-After: 1.5`) on a clock running `scale` times faster than real time.
    pub fn scaled(simulated_secs: f64, scale: f64) -> Self {
        let secs = if simulated_secs.is_finite() && simulated_secs > 0.0 {
            simulated_secs
        } else {
            1.0
        };
        let ms = (secs * 1000.0 / scale).ceil() as u64;
        if scale == 1.0 {
            Self {
                ms: ms.max(1),
                exact: false,
                decimal: secs.fract() != 0.0,
            }
        } else {
            Self::from_ms(ms, scale, false)
        }
    }

    /// A real wait in milliseconds; at scale 1 Graph rounds it up to whole seconds, or (when
    /// `decimal`) states it to the millisecond with decimals.
    pub fn from_ms(ms: u64, scale: f64, decimal: bool) -> Self {
        if scale == 1.0 {
            if decimal {
                Self {
                    ms: ms.max(1),
                    exact: false,
                    decimal: true,
                }
            } else {
                Self {
                    ms: ms.div_ceil(1000).max(1) * 1000,
                    exact: false,
                    decimal: false,
                }
            }
        } else {
            Self {
                ms: ms.max(1),
                exact: true,
                decimal: false,
            }
        }
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        let seconds = if self.decimal {
            let text = format!("{:.3}", self.ms as f64 / 1000.0);
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            self.ms.div_ceil(1000).max(1).to_string()
        };
        let mut out = vec![("Retry-After".to_string(), seconds)];
        if self.exact {
            out.push(("x-ms-retry-after-ms".to_string(), self.ms.to_string()));
        }
        out
    }
}

#[cfg(test)]
mod retry_after_tests {
    use super::RetryAfter;

    fn header(r: RetryAfter) -> String {
        r.headers()[0].1.clone()
    }

    #[test]
    fn waits_are_stated_as_graph_states_them() {
        assert_eq!(header(RetryAfter::scaled(1.5, 1.0)), "1.5");
        assert_eq!(RetryAfter::scaled(1.5, 1.0).ms, 1500);
        assert_eq!(header(RetryAfter::scaled(2.0, 1.0)), "2");
        assert_eq!(header(RetryAfter::from_ms(2128, 1.0, true)), "2.128");
        assert_eq!(header(RetryAfter::from_ms(2128, 1.0, false)), "3");
        assert_eq!(RetryAfter::from_ms(2128, 1.0, false).ms, 3000);
        let fast = RetryAfter::scaled(1.5, 10.0);
        assert_eq!((fast.ms, fast.exact), (150, true));
        assert_eq!(fast.headers()[1].1, "150");
    }
}

/// A Graph error before `innerError` is stamped with the request ids.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub inner_code: Option<&'static str>,
    pub details: Option<Box<Value>>,
    pub retry_after: Option<RetryAfter>,
}

impl GraphError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.to_string(),
            message: message.into(),
            inner_code: None,
            details: None,
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFound", message)
    }
    pub fn directory_not_found(id: &str) -> Self {
        Self::new(
            404,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }
    pub fn with_inner(mut self, code: &'static str) -> Self {
        self.inner_code = Some(code);
        self
    }

    pub fn body(&self, request_id: &str, client_request_id: &str, date: &str) -> Value {
        let mut inner = Map::new();
        if let Some(c) = &self.inner_code {
            inner.insert("code".into(), json!(c));
            inner.insert("message".into(), json!(self.message));
        }
        if let Some(d) = &self.details {
            inner.insert("details".into(), (**d).clone());
        }
        inner.insert("date".into(), json!(date));
        inner.insert("request-id".into(), json!(request_id));
        inner.insert("client-request-id".into(), json!(client_request_id));
        json!({"error": {"code": self.code, "message": self.message, "innerError": inner}})
    }
}

/// Which error vocabulary a resource family speaks: Entra directory objects use
/// `Request_*` codes, Teams resources plain `BadRequest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Directory,
    Teams,
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub filter: Option<String>,
    pub select: Option<Vec<String>>,
    pub expand: Option<String>,
    pub top: Option<String>,
    pub skiptoken: Option<String>,
    pub deltatoken: Option<String>,
    pub count: Option<String>,
    pub orderby: Option<String>,
    pub search: Option<String>,
    pub skip: Option<String>,
    pub other: BTreeMap<String, String>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut q = Query::default();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let key = k.trim_start_matches('$').to_ascii_lowercase();
            let v = v.into_owned();
            match (k.starts_with('$'), key.as_str()) {
                (true, "filter") => q.filter = Some(v),
                (true, "select") => {
                    q.select = Some(
                        v.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                (true, "expand") => q.expand = Some(v),
                (true, "top") => q.top = Some(v),
                (true, "skiptoken") => q.skiptoken = Some(v),
                (true, "deltatoken") => q.deltatoken = Some(v),
                (true, "count") => q.count = Some(v),
                (true, "orderby") => q.orderby = Some(v),
                (true, "search") => q.search = Some(v),
                (true, "skip") => q.skip = Some(v),
                _ => {
                    q.other.insert(k.into_owned(), v);
                }
            }
        }
        q
    }

    pub fn has_odata_options(&self) -> bool {
        self.filter.is_some()
            || self.select.is_some()
            || self.expand.is_some()
            || self.top.is_some()
            || self.count.is_some()
            || self.orderby.is_some()
            || self.search.is_some()
            || self.skip.is_some()
            || self.skiptoken.is_some()
    }

    /// Query string for a nextLink: every option but the paging token.
    pub fn without_paging(raw: Option<&str>) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let l = k.to_ascii_lowercase();
            if l != "$skiptoken" && l != "$deltatoken" {
                ser.append_pair(&k, &v);
            }
        }
        ser.finish()
    }
}

// -------------------------------------------------------------------------------------
// $filter

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Num(f64),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { path: String, op: String, lit: Lit },
    In { path: String, lits: Vec<Lit> },
    StartsWith { path: String, lit: String },
    Any { path: String, lit: Lit },
}

impl Expr {
    pub fn paths(&self, out: &mut Vec<String>) {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.paths(out);
                b.paths(out);
            }
            Expr::Not(a) => a.paths(out),
            Expr::Cmp { path, .. }
            | Expr::In { path, .. }
            | Expr::StartsWith { path, .. }
            | Expr::Any { path, .. } => out.push(path.clone()),
        }
    }

    pub fn uses_any(&self) -> Option<String> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => a.uses_any().or_else(|| b.uses_any()),
            Expr::Not(a) => a.uses_any(),
            Expr::Any { path, .. } => Some(path.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
    Colon,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("Unterminated string literal at position {i}")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '-' || chars[i] == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                match text.parse::<f64>() {
                    Ok(n) => out.push(Tok::Num(n)),
                    // Bare GUIDs are literals too.
                    Err(_) => out.push(Tok::Str(text)),
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '@' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '/' | '.' | '@' | '$'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => {
                return Err(format!(
                    "Syntax error: character '{other}' is not valid at position {i}"
                ))
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(k))
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(format!("Syntax error: expected {t:?}, found {other:?}")),
        }
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Num(n)) => Ok(Lit::Num(n)),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("null") => Ok(Lit::Null),
            other => Err(format!("Syntax error: expected a literal, found {other:?}")),
        }
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        let ident = match self.next() {
            Some(Tok::Ident(s)) => s,
            other => {
                return Err(format!(
                    "Syntax error: expected a property, found {other:?}"
                ))
            }
        };
        if ident.eq_ignore_ascii_case("startswith") {
            self.expect(Tok::LParen)?;
            let path = match self.next() {
                Some(Tok::Ident(p)) => p,
                other => {
                    return Err(format!(
                        "Syntax error: expected a property, found {other:?}"
                    ))
                }
            };
            self.expect(Tok::Comma)?;
            let lit = match self.literal()? {
                Lit::Str(s) => s,
                _ => return Err("startswith expects a string literal".into()),
            };
            self.expect(Tok::RParen)?;
            return Ok(Expr::StartsWith { path, lit });
        }
        let lower = ident.to_ascii_lowercase();
        if lower.ends_with("/any") && self.peek() == Some(&Tok::LParen) {
            let path = ident[..ident.len() - 4].to_string();
            self.expect(Tok::LParen)?;
            let var = match self.next() {
                Some(Tok::Ident(v)) => v,
                other => {
                    return Err(format!(
                        "Syntax error: expected a lambda variable, found {other:?}"
                    ))
                }
            };
            self.expect(Tok::Colon)?;
            match self.next() {
                Some(Tok::Ident(v2)) if v2 == var => {}
                other => return Err(format!("Syntax error: expected '{var}', found {other:?}")),
            }
            if !self.keyword("eq") {
                return Err("Syntax error: only 'eq' is supported inside any()".into());
            }
            self.pos += 1;
            let lit = self.literal()?;
            self.expect(Tok::RParen)?;
            return Ok(Expr::Any { path, lit });
        }
        let op = match self.next() {
            Some(Tok::Ident(op)) => op.to_ascii_lowercase(),
            other => {
                return Err(format!(
                    "Syntax error: expected an operator after '{ident}', found {other:?}"
                ))
            }
        };
        match op.as_str() {
            "eq" | "ne" => Ok(Expr::Cmp {
                path: ident,
                op,
                lit: self.literal()?,
            }),
            "in" => {
                self.expect(Tok::LParen)?;
                let mut lits = vec![self.literal()?];
                while self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                    lits.push(self.literal()?);
                }
                self.expect(Tok::RParen)?;
                Ok(Expr::In { path: ident, lits })
            }
            other => Err(format!("Operator '{other}' is not supported")),
        }
    }
}

pub fn parse_filter(s: &str) -> Result<Expr, String> {
    let toks = tokenize(s)?;
    let mut p = Parser { toks, pos: 0 };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!("Syntax error at position {} in '{s}'.", p.pos));
    }
    Ok(e)
}

fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for seg in path.split('/') {
        cur = match cur
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(seg)))
        {
            Some((_, x)) => x,
            None => &Value::Null,
        };
    }
    cur
}

fn lit_eq(v: &Value, lit: &Lit) -> bool {
    match (v, lit) {
        (Value::String(a), Lit::Str(b)) => a.eq_ignore_ascii_case(b),
        (Value::Bool(a), Lit::Bool(b)) => a == b,
        (Value::Number(a), Lit::Num(b)) => a.as_f64() == Some(*b),
        (Value::Null, Lit::Null) => true,
        _ => false,
    }
}

pub fn eval(e: &Expr, v: &Value) -> bool {
    match e {
        Expr::And(a, b) => eval(a, v) && eval(b, v),
        Expr::Or(a, b) => eval(a, v) || eval(b, v),
        Expr::Not(a) => !eval(a, v),
        Expr::Cmp { path, op, lit } => {
            let eq = lit_eq(lookup(v, path), lit);
            if op == "eq" {
                eq
            } else {
                !eq
            }
        }
        Expr::In { path, lits } => lits.iter().any(|l| lit_eq(lookup(v, path), l)),
        Expr::StartsWith { path, lit } => lookup(v, path).as_str().is_some_and(|s| {
            s.to_ascii_lowercase()
                .starts_with(&lit.to_ascii_lowercase())
        }),
        Expr::Any { path, lit } => lookup(v, path)
            .as_array()
            .is_some_and(|a| a.iter().any(|x| lit_eq(x, lit))),
    }
}

/// Parses `$filter` and checks every property against what this resource supports.
pub fn checked_filter(
    raw: &str,
    allowed: &[&str],
    family: Family,
    type_name: &str,
) -> Result<Expr, GraphError> {
    let e = parse_filter(raw)
        .map_err(|m| GraphError::bad_request(format!("Invalid filter clause: {m}")))?;
    let mut paths = Vec::new();
    e.paths(&mut paths);
    for p in paths {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&p)) {
            return Err(match family {
                Family::Directory => GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    format!("Unsupported or invalid query filter clause specified for property '{p}' of resource '{type_name}'."),
                ),
                Family::Teams => GraphError::bad_request(format!(
                    "Invalid filter clause: filtering on property '{p}' is not supported for '{type_name}'."
                )),
            });
        }
    }
    Ok(e)
}

// -------------------------------------------------------------------------------------
// $select / $expand

pub fn project(v: &Value, select: &[String]) -> Value {
    let Some(o) = v.as_object() else {
        return v.clone();
    };
    let mut out = Map::new();
    for (k, x) in o {
        if k.starts_with('@') || select.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            out.insert(k.clone(), x.clone());
        }
    }
    Value::Object(out)
}

pub fn check_select(
    select: &[String],
    allowed: &[&str],
    type_name: &str,
) -> Result<(), GraphError> {
    for s in select {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(s)) {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{s}' on type 'microsoft.graph.{type_name}'."
            )));
        }
    }
    Ok(())
}

/// Splits `$expand` on top-level commas; returns (navigation, nested options text).
pub fn parse_expand(raw: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in raw.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c)
            }
            ')' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(|item| {
            let item = item.trim().to_string();
            match item.find('(') {
                Some(i) => (
                    item[..i].trim().to_string(),
                    item[i + 1..item.len().saturating_sub(1)].to_string(),
                ),
                None => (item, String::new()),
            }
        })
        .collect()
}

// -------------------------------------------------------------------------------------
// Paging

/// Skip tokens are opaque: a keyed scramble of the cursor, so clients cannot (and must
/// not) compute them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub offset: usize,
    pub page_size: usize,
    pub served_empty: bool,
    pub query_hash: u32,
}

fn keystream(key: u64, n: usize) -> Vec<u8> {
    let mut x = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn encode_cursor(key: u64, c: &Cursor) -> String {
    let plain = format!(
        "{}|{}|{}|{}|sim",
        c.offset, c.page_size, c.served_empty as u8, c.query_hash
    );
    let ks = keystream(key, plain.len());
    let bytes: Vec<u8> = plain.bytes().zip(ks).map(|(a, b)| a ^ b).collect();
    format!(
        "X'{}'",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn decode_cursor(key: u64, token: &str) -> Option<Cursor> {
    let inner = token.strip_prefix("X'")?.strip_suffix('\'')?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(inner)
        .ok()?;
    let ks = keystream(key, bytes.len());
    let plain: Vec<u8> = bytes.into_iter().zip(ks).map(|(a, b)| a ^ b).collect();
    let s = String::from_utf8(plain).ok()?;
    let mut it = s.split('|');
    let offset = it.next()?.parse().ok()?;
    let page_size = it.next()?.parse().ok()?;
    let served_empty = it.next()? == "1";
    let query_hash = it.next()?.parse().ok()?;
    (it.next()? == "sim").then_some(Cursor {
        offset,
        page_size,
        served_empty,
        query_hash,
    })
}

pub fn hash_str(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_forms_botdeck_uses() {
        let v = json!({"externalId": "ABC", "distributionMethod": "organization", "teamsApp": {"id": "x"},
                       "resourceProvisioningOptions": ["Team"], "accountEnabled": false});
        for (f, want) in [
            ("externalId eq 'abc'", true),
            ("distributionMethod eq 'store'", false),
            ("teamsApp/id eq 'x'", true),
            ("resourceProvisioningOptions/Any(x:x eq 'Team')", true),
            ("accountEnabled eq false and externalId eq 'ABC'", true),
            ("startswith(externalId,'a')", true),
            ("externalId in ('q', 'abc')", true),
            ("not (accountEnabled eq false)", false),
        ] {
            assert_eq!(eval(&parse_filter(f).unwrap(), &v), want, "{f}");
        }
        assert!(parse_filter("externalId gt 'a'").is_err());
        assert!(parse_filter("externalId eq").is_err());
        assert!(parse_filter("externalId eq 'unterminated").is_err());
    }

    #[test]
    fn cursor_roundtrip_and_tamper() {
        let c = Cursor {
            offset: 200,
            page_size: 100,
            served_empty: false,
            query_hash: 9,
        };
        let t = encode_cursor(42, &c);
        assert!(!t.contains("200"));
        assert_eq!(decode_cursor(42, &t), Some(c));
        assert_eq!(decode_cursor(43, &t), None);
        assert_eq!(decode_cursor(42, "X'garbage'"), None);
    }

    #[test]
    fn expand_split() {
        assert_eq!(
            parse_expand("teamsApp,teamsAppDefinition($expand=bot)"),
            vec![
                ("teamsApp".into(), "".into()),
                ("teamsAppDefinition".into(), "$expand=bot".into())
            ]
        );
    }
}
