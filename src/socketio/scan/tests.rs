//! The scanner against `serde_json`: samples, deep nesting, and every short input.

use super::*;
use serde::de::IgnoredAny;

fn serde_ok(s: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(s).is_ok()
}

fn ours(s: &[u8]) -> bool {
    is_json_starting_with(s, b"")
}

#[test]
fn agrees_with_serde_json_on_samples() {
    let samples: &[&str] = &[
        "",
        " ",
        "0",
        "-0",
        "01",
        "-",
        "-a",
        "1.",
        "1.5",
        ".5",
        "1e",
        "1e+",
        "1e+5",
        "1E-05",
        "1.5e3",
        "123456789012345678901234567890",
        "1e400",
        "-1.0e-400",
        "true",
        "tru",
        "truex",
        "false",
        "null",
        "nul",
        "nulll",
        "\"\"",
        "\"a",
        "\"\\\"\"",
        "\"\\u00e9\"",
        "\"\\u00g9\"",
        "\"\\u12\"",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\t\"",
        "\"\u{7f}\"",
        "\"é😀\"",
        "[]",
        "[ ]",
        "[,]",
        "[1,]",
        "[1 2]",
        "[1,2]",
        "{}",
        "{ }",
        "{\"a\":1}",
        "{\"a\" : 1 , \"b\":[{}]}",
        "{\"a\"}",
        "{\"a\":}",
        "{1:2}",
        "{\"a\":1,}",
        "[1]]",
        "[[]",
        "[{]}",
        "{\"a\":[}]",
        " [1] ",
        "[1]x",
        "[\"a\\\\\"]",
        "[\"0123456789abcdef\\n0123456789\"]",
        "\"0123456789abcdef",
        "[-]",
        "[1e5,-0.0,2]",
        "{\"a\":{\"b\":{\"c\":[true,false,null]}}}",
        "\n\r\t1",
        "\u{c}1",
        "[\"\\/\\b\\f\\n\\r\\t\"]",
    ];
    for s in samples {
        assert_eq!(ours(s.as_bytes()), serde_ok(s.as_bytes()), "{s:?}");
    }
}

#[test]
fn deep_nesting_has_no_limit() {
    for n in [1, 63, 64, 65, 127, 128, 129, 300] {
        let s = format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(ours(s.as_bytes()), "{n}");
        let s = format!("{}1{}", "[{\"k\":".repeat(n), "}]".repeat(n));
        assert!(ours(s.as_bytes()), "{n}");
        let bad = format!("{}{}", "[".repeat(n), "]".repeat(n - 1));
        assert!(!ours(bad.as_bytes()), "{n}");
        let bad = format!("{}{}}}", "[".repeat(n), "]".repeat(n - 1));
        assert!(!ours(bad.as_bytes()), "{n}");
    }
}

/// Every short string over a JSON-ish alphabet, plus mutations of a larger document.
#[test]
fn agrees_with_serde_json_exhaustively() {
    let alphabet: &[u8] = b"[]{}\",:01-.e\\u tnx";
    let mut buf = Vec::new();
    fn rec(alpha: &[u8], buf: &mut Vec<u8>, left: usize) {
        assert_eq!(
            ours(buf),
            serde_ok(buf),
            "{:?}",
            String::from_utf8_lossy(buf)
        );
        if left == 0 {
            return;
        }
        for &c in alpha {
            buf.push(c);
            rec(alpha, buf, left - 1);
            buf.pop();
        }
    }
    rec(alphabet, &mut buf, 4);
    let doc = br#"{"a":[1,-2.5e3,"x\u00e9\n",true,false,null,{"b":[]}],"c":"0123456789abcdefgh"}"#;
    for i in 0..doc.len() {
        for c in [b' ', b'"', b'\\', b'1', b'}', b']', b',', 0x01, b'e', b'.'] {
            let mut m = doc.to_vec();
            m[i] = c;
            assert_eq!(ours(&m), serde_ok(&m), "{:?}", String::from_utf8_lossy(&m));
            m.insert(i, c);
            assert_eq!(ours(&m), serde_ok(&m), "{:?}", String::from_utf8_lossy(&m));
        }
        let cut = &doc[..i];
        assert_eq!(ours(cut), serde_ok(cut));
    }
}
