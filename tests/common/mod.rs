//! Helpers shared by the integration tests.
// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

/// A small deterministic generator (xorshift64), so that a failing random case reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Fragments that end a literal or start an interpolation, a comment or a tag in some
/// target language.
pub const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "`",
    "\\",
    "\\\\",
    "${",
    "${x}",
    "$${",
    "%{",
    "%{ if true }",
    "{{",
    "}}",
    "{",
    "}",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "*/",
    "/*",
    "\"\"\"",
    "'''",
    "#",
    " # ",
    ": ",
    "- ",
    "!Ref ",
    "&a",
    "*a",
    "|",
    ">",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{202e}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "é",
    "Zürich",
    "日本",
    "😀",
    "\u{10ffff}",
    "$",
    "%",
    "!",
    "${!Literal}",
    "${AWS::Region}",
    "\\u0041",
    "\\n",
    "\\x41",
    "'\\''",
    "; rm -rf /",
    "$(id)",
    "`id`",
    "null",
    "true",
    "~",
    "0x1F",
    "1e3",
    "-",
    "?",
    " ",
];

pub fn random_hostile_string(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(8) {
        if rng.below(3) == 0 {
            let c = loop {
                let n = rng.below(0x11_0000) as u32;
                if let Some(c) = char::from_u32(n) {
                    break c;
                }
            };
            s.push(c);
        } else {
            s.push_str(HOSTILE[rng.below(HOSTILE.len())]);
        }
    }
    s
}
