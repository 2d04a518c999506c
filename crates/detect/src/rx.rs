//! Regexes screened by the literals they need, one pass per text.
//!
//! A detector runs dozens of regexes over each source file; most of them
//! cannot match most files, yet each one scans the whole text (the regex
//! engine's own prefilter looks for a pattern's first literal, often a
//! common one such as `def `). An [`RxSet`] works out, for every member,
//! the literals any match must contain (`def` and `init` in
//! `^def[ \t]+init\(`, one of `model_fn`/`predict_fn` in an alternation)
//! and looks for all of them in one Aho-Corasick pass over the text
//! ([`RxSet::screen`]). While the returned guard lives, a member called on
//! that text (or any slice of it) that misses one of its required parts
//! answers "no match" without running.
//!
//! The screen only ever skips searches that cannot match: a match is a
//! substring of the text, so it holds the needed literal, and the pass looks
//! for literals ignoring ASCII case (a superset of what the regex accepts).
//! Results are therefore identical with or without it; only the work
//! differs. A member called on another text, or before any screen, runs as
//! a plain regex.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::{CaptureMatches, Captures, Match, Matches, Regex};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::cell::RefCell;
use std::sync::OnceLock;

/// Literals per SIMD searcher of a case-sensitive [`LiteralScreen`]: Teddy
/// slows down past a few dozen patterns, and two searchers of this size
/// still scan several times faster than an automaton.
const PACKED_CHUNK: usize = 32;

/// Shortest literal worth screening for: shorter ones occur in nearly every
/// file and would only cost the pass time.
const MIN_LITERAL: usize = 3;
/// Most alternatives one member may need (case variants are not counted:
/// the pass ignores ASCII case).
const MAX_LITERALS: usize = 64;

/// A regex compiled on first use, screened by its set's pass when one is
/// active for the text it searches.
pub struct Rx {
    pattern: &'static str,
    re: OnceLock<Regex>,
    /// The set that screens it and its position there (the first set built
    /// that lists it).
    slot: OnceLock<(usize, u32)>,
}

/// Declare screened regexes and the set that lists them: every pattern gets
/// `(?-u)` (bytes, ASCII classes) in front.
///
/// ```ignore
/// screened_regexes! { RX_GROUP;
///     RX_DEF_INIT = r"(?m)^def[ \t]+init[ \t]*\(";
/// }
/// ```
#[macro_export]
macro_rules! screened_regexes {
    ($group:ident; $($name:ident = $re:literal;)*) => {
        $(static $name: $crate::rx::Rx = $crate::rx::Rx::new(concat!("(?-u)", $re));)*
        /// The screened regexes declared together here.
        pub(crate) static $group: &[&$crate::rx::Rx] = &[$(&$name),*];
    };
}

impl Rx {
    /// A regex of `pattern`, compiled on first use.
    pub const fn new(pattern: &'static str) -> Self {
        Rx { pattern, re: OnceLock::new(), slot: OnceLock::new() }
    }

    /// The compiled regex (patterns are constants of the source: a pattern
    /// that does not compile is a bug, caught by the tests).
    pub fn regex(&self) -> &Regex {
        self.re.get_or_init(|| Regex::new(self.pattern).unwrap_or_else(|e| panic!("bad built-in regex {}: {e}", self.pattern)))
    }

    /// The pattern's source.
    pub fn as_str(&self) -> &'static str {
        self.pattern
    }

    /// Whether a search of `h` runs: false only when an active screen
    /// covers `h` and saw none of the literals a match needs.
    pub fn possible(&self, h: &[u8]) -> bool {
        let Some(&(set, slot)) = self.slot.get() else { return true };
        ACTIVE.with(|a| {
            let a = a.borrow();
            let (lo, hi) = (h.as_ptr() as usize, h.as_ptr() as usize + h.len());
            a.iter().rev().find(|s| s.set == set && s.lo <= lo && hi <= s.hi).is_none_or(|s| s.possible.get(slot as usize))
        })
    }

    /// [`Regex::is_match`], screened.
    pub fn is_match(&self, h: &[u8]) -> bool {
        self.possible(h) && self.regex().is_match(h)
    }

    /// [`Regex::find`], screened.
    pub fn find<'h>(&self, h: &'h [u8]) -> Option<Match<'h>> {
        if self.possible(h) {
            self.regex().find(h)
        } else {
            None
        }
    }

    /// [`Regex::captures`], screened.
    pub fn captures<'h>(&self, h: &'h [u8]) -> Option<Captures<'h>> {
        if self.possible(h) {
            self.regex().captures(h)
        } else {
            None
        }
    }

    /// [`Regex::find_iter`], screened (an empty iterator when screened out:
    /// the empty text holds none of the needed literals either).
    pub fn find_iter<'r, 'h>(&'r self, h: &'h [u8]) -> Matches<'r, 'h> {
        let h = if self.possible(h) { h } else { &h[..0] };
        self.regex().find_iter(h)
    }

    /// [`Regex::captures_iter`], screened.
    pub fn captures_iter<'r, 'h>(&'r self, h: &'h [u8]) -> CaptureMatches<'r, 'h> {
        let h = if self.possible(h) { h } else { &h[..0] };
        self.regex().captures_iter(h)
    }
}

/// The literals any match of `pattern` must contain (one of them), ASCII
/// lowercase, when they are long and few enough to be worth screening for.
pub fn needed_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new().utf8(false).build().parse(pattern).ok()?;
    match need(&hir) {
        Need::Exact(l) => Some(vec![l]),
        Need::Any => None,
        Need::Set(s) => Some(s),
    }
    .filter(|s| usable(s))
}

/// Most literal sets one pattern is screened by: its rarest ones.
const MAX_CLAUSES: usize = 3;

/// Literal sets every match of `pattern` holds one literal of each of:
/// the required parts of a top-level sequence (`def` and one of
/// `train`/`fit` in `^def[ \t]+(train|fit)\(`), else the set
/// [`needed_literals`] gives; at most three, rarest first. Empty
/// when none is usable.
pub fn needed_clauses(pattern: &str) -> Vec<Vec<Vec<u8>>> {
    let Ok(hir) = regex_syntax::ParserBuilder::new().utf8(false).build().parse(pattern) else { return Vec::new() };
    let mut top = &hir;
    while let HirKind::Capture(c) = top.kind() {
        top = &c.sub;
    }
    let mut clauses: Vec<Vec<Vec<u8>>> = match top.kind() {
        HirKind::Concat(subs) => concat_parts(subs).unwrap_or_else(|whole| vec![vec![whole]]),
        _ => needed_literals(pattern).into_iter().collect(),
    };
    clauses.retain(|c| usable(c));
    clauses.sort();
    clauses.dedup();
    // Rarest first (stable: equals stay in order).
    clauses.sort_by_key(|c| std::cmp::Reverse(rank(c)));
    clauses.truncate(MAX_CLAUSES);
    clauses
}

/// A literal set worth screening for: some literals, few, none short.
fn usable(s: &[Vec<u8>]) -> bool {
    !s.is_empty() && s.len() <= MAX_LITERALS && s.iter().all(|l| l.len() >= MIN_LITERAL)
}

/// What a sub-pattern's matches must contain.
#[derive(Clone, Debug, PartialEq)]
enum Need {
    /// Nothing known.
    Any,
    /// Every match is exactly this (lowercased) string.
    Exact(Vec<u8>),
    /// Every match contains one of these.
    Set(Vec<Vec<u8>>),
}

fn need(h: &Hir) -> Need {
    match h.kind() {
        // Zero-width: it matches exactly the empty string between its neighbours.
        HirKind::Empty | HirKind::Look(_) => Need::Exact(Vec::new()),
        HirKind::Literal(l) => Need::Exact(l.0.to_ascii_lowercase()),
        HirKind::Class(c) => one_byte(c).map_or(Need::Any, |b| Need::Exact(vec![b])),
        HirKind::Repetition(r) if r.min >= 1 => match need(&r.sub) {
            Need::Exact(l) => Need::Set(vec![l]),
            n => n,
        },
        HirKind::Repetition(_) => Need::Any,
        HirKind::Capture(c) => need(&c.sub),
        HirKind::Concat(subs) => match concat_parts(subs) {
            Err(whole) => Need::Exact(whole),
            // The rarest part; the first of equals.
            Ok(parts) => parts
                .into_iter()
                .fold(None, |best: Option<Vec<Vec<u8>>>, s| match best {
                    Some(b) if !better(&s, &b) => Some(b),
                    _ => Some(s),
                })
                .map_or(Need::Any, Need::Set),
        },
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for sub in subs {
                match need(sub) {
                    Need::Exact(l) if !l.is_empty() => all.push(l),
                    Need::Set(s) => all.extend(s),
                    _ => return Need::Any,
                }
            }
            all.sort();
            all.dedup();
            Need::Set(all)
        }
    }
}

/// A class of one byte, in either ASCII case (`[Aa]` of `(?i)a`): that byte, lowercase.
fn one_byte(c: &Class) -> Option<u8> {
    let mut bytes: Vec<u8> = match c {
        Class::Bytes(b) => b.ranges().iter().flat_map(|r| r.start()..=r.end()).collect(),
        Class::Unicode(u) => {
            let mut v = Vec::new();
            for r in u.ranges() {
                for ch in r.start()..=r.end() {
                    if v.len() > 2 || !ch.is_ascii() {
                        return None;
                    }
                    v.push(ch as u8);
                }
            }
            v
        }
    };
    if bytes.len() > 2 {
        return None;
    }
    bytes.iter_mut().for_each(|b| *b = b.to_ascii_lowercase());
    bytes.dedup();
    (bytes.len() == 1).then(|| bytes[0])
}

/// What every match of a sequence holds, part by part: runs of adjacent
/// exact parts joined into one literal, and the literal sets of the other
/// parts, in order (parts that hold nothing known are left out). `Err`
/// with the whole literal when every part is exact.
fn concat_parts(subs: &[Hir]) -> Result<Vec<Vec<Vec<u8>>>, Vec<u8>> {
    let mut parts = Vec::new();
    let mut run: Vec<u8> = Vec::new();
    let mut exact = true;
    for sub in subs {
        match need(sub) {
            Need::Exact(l) => run.extend(l),
            other => {
                exact = false;
                if !run.is_empty() {
                    parts.push(vec![std::mem::take(&mut run)]);
                }
                if let Need::Set(s) = other {
                    parts.push(s);
                }
            }
        }
    }
    if exact {
        return Err(run);
    }
    if !run.is_empty() {
        parts.push(vec![run]);
    }
    Ok(parts)
}

/// How well a literal set screens: longer shortest literal first (rarer),
/// then fewer literals.
fn rank(s: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>) {
    (s.iter().map(Vec::len).min().unwrap_or(0), std::cmp::Reverse(s.len()))
}

/// Whether literal set `a` screens better than `b` ([`rank`]).
fn better(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    rank(a) > rank(b)
}

/// Screened regexes that share one pass over a text.
pub struct RxSet {
    members: &'static [&'static Rx],
    built: OnceLock<LiteralScreen>,
}

/// Which of a list of consumers (regexes, detectors) can apply to a text,
/// each by the literal sets it needs (one literal of each set), found in
/// one pass.
#[derive(Debug, Clone)]
pub struct LiteralScreen {
    /// All consumers' literals, each once; `None` when none has any, or
    /// when [`LiteralScreen::packed`] finds them.
    ac: Option<AhoCorasick>,
    /// Exact literals: SIMD searchers (Teddy) for the leftmost literal from
    /// a position, [`PACKED_CHUNK`] literals each, several times faster
    /// than an automaton's byte-by-byte walk; the literals found at each
    /// position are then confirmed by comparison ([`LiteralScreen::starting`]).
    packed: Vec<aho_corasick::packed::Searcher>,
    /// With `packed`: each literal (by id), and the ids of those starting
    /// with each byte.
    lits: Vec<Vec<u8>>,
    starting: Vec<Vec<u32>>,
    /// The literal sets ("clauses") each literal of `ac` belongs to.
    owners: Vec<Vec<u32>>,
    /// Each consumer that needs literals, with the range of its clauses
    /// (numbered consecutively, consumer by consumer).
    needs: Vec<(u32, std::ops::Range<u32>)>,
    /// The consumers possible in any text: those that need no literal.
    base: Possible,
    /// How many clauses there are.
    clauses: usize,
}

/// Which consumers of a [`LiteralScreen`] can apply to a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Possible(Vec<u64>);

impl Possible {
    /// Whether consumer `i` (in the screen's order) can apply.
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// Mark consumer `i`; true when it was not marked yet.
    fn set(&mut self, i: usize) -> bool {
        let (w, bit) = (&mut self.0[i / 64], 1 << (i % 64));
        let fresh = *w & bit == 0;
        *w |= bit;
        fresh
    }
}

impl Default for LiteralScreen {
    fn default() -> Self {
        LiteralScreen::of_clauses(std::iter::empty::<Option<Vec<Vec<Vec<u8>>>>>(), false)
    }
}

impl LiteralScreen {
    /// The screen of regex sources, in order: each needs the literal sets
    /// [`needed_clauses`] finds in it, in any ASCII case.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let needs = patterns.into_iter().map(|p| Some(needed_clauses(p)).filter(|c| !c.is_empty()));
        LiteralScreen::of_clauses(needs, true)
    }

    /// The screen of consumers given by the literals each needs, one of
    /// them (`None`: it applies to every text), matched exactly or ignoring
    /// ASCII case.
    pub fn of_literals(needs: impl IntoIterator<Item = Option<Vec<Vec<u8>>>>, ignore_case: bool) -> Self {
        LiteralScreen::of_clauses(needs.into_iter().map(|n| n.map(|lits| vec![lits])), ignore_case)
    }

    /// The screen of consumers given by the literal sets each needs, one
    /// literal of every set (`None` or no set: it applies to every text).
    pub fn of_clauses(needs: impl IntoIterator<Item = Option<Vec<Vec<Vec<u8>>>>>, ignore_case: bool) -> Self {
        // Each literal once, with every clause that holds it: a common
        // literal is then one match to report, not one per consumer.
        let mut by_lit: std::collections::BTreeMap<Vec<u8>, Vec<u32>> = std::collections::BTreeMap::new();
        let mut free = Vec::new();
        let mut screened = Vec::new();
        let mut count = 0;
        let mut clauses = 0u32;
        for (i, needs) in needs.into_iter().enumerate() {
            count = i + 1;
            match needs.filter(|c| !c.is_empty()) {
                Some(sets) => {
                    let first = clauses;
                    for lits in sets {
                        lits.into_iter().for_each(|l| by_lit.entry(l).or_default().push(clauses));
                        clauses += 1;
                    }
                    screened.push((i as u32, first..clauses));
                }
                None => free.push(i),
            }
        }
        let mut base = Possible(vec![0; count.div_ceil(64)]);
        for &i in &free {
            base.set(i);
        }
        let (lits, owners): (Vec<Vec<u8>>, Vec<Vec<u32>>) = by_lit
            .into_iter()
            .map(|(l, mut o)| {
                (l, {
                    o.dedup();
                    o
                })
            })
            .unzip();
        // Exact literals: Teddy, when every chunk builds (it needs SIMD and
        // no empty literal; the fallback is exact too).
        let packed: Option<Vec<_>> = (!ignore_case && !lits.is_empty())
            .then(|| {
                lits.chunks(PACKED_CHUNK)
                    .map(|chunk| {
                        let mut config = aho_corasick::packed::Config::new();
                        config.match_kind(aho_corasick::packed::MatchKind::LeftmostFirst);
                        let mut b = config.builder();
                        b.extend(chunk);
                        b.build().filter(|s| s.minimum_len() > 0)
                    })
                    .collect()
            })
            .flatten();
        if let Some(packed) = packed {
            let mut starting = vec![Vec::new(); 256];
            for (id, l) in lits.iter().enumerate() {
                starting[l[0] as usize].push(id as u32);
            }
            return LiteralScreen { ac: None, packed, lits, starting, owners, needs: screened, base, clauses: clauses as usize };
        }
        // A DFA: the fastest automaton per byte, and whole texts pass through it.
        let ac = (!lits.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(ignore_case)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&lits)
                .expect("screen literals build an automaton")
        });
        LiteralScreen {
            ac,
            packed: Vec::new(),
            lits: Vec::new(),
            starting: Vec::new(),
            owners,
            needs: screened,
            base,
            clauses: clauses as usize,
        }
    }

    /// The consumers that can apply to `text`: those that need no literal,
    /// and those with a literal of each of their sets in it (one pass,
    /// ended early once every set is seen).
    pub fn possible(&self, text: &[u8]) -> Possible {
        let mut p = self.base.clone();
        if self.ac.is_some() || !self.packed.is_empty() {
            let mut seen = Possible(vec![0; self.clauses.div_ceil(64)]);
            let mut left = self.clauses;
            let mut found = |id: usize| {
                for &c in &self.owners[id] {
                    left -= usize::from(seen.set(c as usize));
                }
                left == 0
            };
            if let Some(ac) = &self.ac {
                for m in ac.find_overlapping_iter(text) {
                    if found(m.pattern().as_usize()) {
                        break;
                    }
                }
            }
            // Every position where a literal starts is visited (a searcher
            // finds the leftmost start from where it is asked), and there
            // every literal starting with that byte is compared: those a
            // leftmost search would not report (`stage` within `stages`,
            // another chunk's) are found too.
            'chunks: for s in &self.packed {
                let mut at = 0;
                while let Some(m) = s.find_in(text, aho_corasick::Span::from(at..text.len())) {
                    let start = m.start();
                    for &id in &self.starting[text[start] as usize] {
                        if text[start..].starts_with(&self.lits[id as usize]) && found(id as usize) {
                            break 'chunks;
                        }
                    }
                    at = start + 1;
                }
            }
            for (consumer, sets) in &self.needs {
                if sets.clone().all(|c| seen.get(c as usize)) {
                    p.set(*consumer as usize);
                }
            }
        }
        p
    }
}

impl RxSet {
    /// A set of `members` (as listed by [`screened_regexes!`]).
    pub const fn new(members: &'static [&'static Rx]) -> Self {
        RxSet { members, built: OnceLock::new() }
    }

    fn id(&self) -> usize {
        self as *const RxSet as usize
    }

    fn built(&self) -> &LiteralScreen {
        self.built.get_or_init(|| {
            for (slot, rx) in self.members.iter().enumerate() {
                // A member already screened by another set stays with that one.
                let _ = rx.slot.set((self.id(), slot as u32));
            }
            LiteralScreen::new(self.members.iter().map(|rx| rx.as_str()))
        })
    }

    /// The members' sources, in order.
    pub fn sources(&self) -> impl ExactSizeIterator<Item = &str> {
        self.members.iter().map(|rx| rx.as_str())
    }

    /// Look for every member's literals in `text`, once; until the guard
    /// drops, members called on `text` or a slice of it skip the searches
    /// that cannot match.
    pub fn screen<'t>(&self, text: &'t [u8]) -> Screen<'t> {
        let possible = self.built().possible(text);
        self.screen_by(text, possible)
    }

    /// As [`RxSet::screen`], with the pass made by a [`LiteralScreen`]
    /// whose first consumers are this set's members in order (built from
    /// [`RxSet::sources`] and more): one pass for this set and others.
    pub fn screen_by<'t>(&self, text: &'t [u8], possible: Possible) -> Screen<'t> {
        // The members take their slots (once).
        self.built();
        let lo = text.as_ptr() as usize;
        ACTIVE.with(|a| a.borrow_mut().push(Active { set: self.id(), lo, hi: lo + text.len(), possible }));
        Screen { _text: std::marker::PhantomData }
    }
}

/// An active screen: which members can match in the text `lo..hi`.
struct Active {
    set: usize,
    lo: usize,
    hi: usize,
    possible: Possible,
}

thread_local! {
    static ACTIVE: RefCell<Vec<Active>> = const { RefCell::new(Vec::new()) };
}

/// The guard of [`RxSet::screen`]: the screen applies while it lives (it
/// borrows the text, so the text outlives it).
pub struct Screen<'t> {
    _text: std::marker::PhantomData<&'t [u8]>,
}

impl Drop for Screen<'_> {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.borrow_mut().pop());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        needed_literals(p).map(|v| v.into_iter().map(|l| String::from_utf8(l).unwrap()).collect())
    }

    #[test]
    fn the_rarest_required_literal_is_chosen() {
        assert_eq!(lits(r"(?-u)(?m)^def[ \t]+init[ \t]*\("), Some(vec!["init".into()]));
        assert_eq!(lits(r"(?-u)(?m)^def[ \t]+(?:model_fn|predict_fn)[ \t]*\("), Some(vec!["model_fn".into(), "predict_fn".into()]));
        // Literals joined across captures and zero-width assertions.
        assert_eq!(lits(r"(?-u)\b(wandb)\.login\("), Some(vec!["wandb.login(".into()]));
        // Case-insensitive patterns need the lowercase literal.
        assert_eq!(lits(r"(?-u)(?i)\bSecret_Key\b"), Some(vec!["secret_key".into()]));
        // Every branch of an alternation must bring one.
        assert_eq!(lits(r"(?-u)@flow\b|@prefect\.flow\b"), Some(vec!["@flow".into(), "@prefect.flow".into()]));
    }

    fn clauses(p: &str) -> Vec<Vec<String>> {
        needed_clauses(p).into_iter().map(|c| c.into_iter().map(|l| String::from_utf8(l).unwrap()).collect()).collect()
    }

    #[test]
    fn every_required_part_of_a_sequence_is_a_clause() {
        let train = r"(?-u)(?m)^(?:async[ \t]+)?def[ \t]+(train|fit)(?:_\w+)?[ \t]*\(";
        assert_eq!(clauses(train), [vec!["def"], vec!["fit", "train"]]);
        assert_eq!(clauses(r"(?-u)(?m)^def[ \t]+init[ \t]*\("), [vec!["init"], vec!["def"]]);
        // Short parts are no clause; an alternation at the top is one.
        assert_eq!(clauses(r"(?-u)\bab\s*\(\s*model"), [vec!["model"]]);
        assert_eq!(clauses(r"(?-u)@flow\b|@prefect\.flow\b"), [vec!["@flow", "@prefect.flow"]]);
        assert!(clauses(r"(?-u)\w+\(").is_empty());
        // At most three, the rarest.
        assert_eq!(clauses(r"(?-u)abc\s+abcd\s+abcde\s+abcdef"), [vec!["abcdef"], vec!["abcde"], vec!["abcd"]]);
    }

    /// The case-sensitive screen searches with SIMD searchers and confirms
    /// what starts at each position found: every literal is found, where
    /// literals start alike (`stage`/`stages`), sit inside one another
    /// (`proj` in `argoproj.io`), overlap, or fall in different searchers.
    /// The answer is the plain one: a consumer is possible when one of its
    /// literals is in the text.
    #[test]
    fn exact_literals_are_found_where_they_overlap_and_across_searchers() {
        let mut words: Vec<String> = (0..3 * PACKED_CHUNK).map(|i| format!("w{i:03}_")).collect();
        words.extend(
            ["stage", "stages", "argoproj.io", "proj", "oj.io", "{{ cookiecutter.", "cp -r", "cp -R", ".pt", ".pth"].map(String::from),
        );
        let mut needs: Vec<Option<Vec<Vec<u8>>>> = words.iter().map(|w| Some(vec![w.as_bytes().to_vec()])).collect();
        needs.push(Some(vec![b"stages".to_vec(), b"w001_".to_vec()]));
        needs.push(None);
        let screen = LiteralScreen::of_literals(needs.clone(), false);
        assert!(!screen.packed.is_empty() && screen.ac.is_none(), "the exact screen searches with Teddy");
        let mut texts: Vec<String> = [
            "apiVersion: argoproj.io/v1\nstages:\n  - cp -r a b\n",
            "model.pth and w095_ then w000_w001_",
            "{{ cookiecutter.name }} stage",
            "proj oj.io .pt",
            "",
            "st",
            "w09",
        ]
        .map(String::from)
        .to_vec();
        texts.extend(crate::fixture_texts(&["yml", "yaml", "py"]).into_iter().map(|(_, t)| t));
        for t in &texts {
            let got = screen.possible(t.as_bytes());
            for (i, n) in needs.iter().enumerate() {
                let want = n.as_ref().is_none_or(|ls| ls.iter().any(|l| t.as_bytes().windows(l.len()).any(|w| w == l.as_slice())));
                assert_eq!(got.get(i), want, "consumer {i} ({:?}) in {t:?}", n);
            }
        }
        // A literal the searchers cannot take (empty) leaves the automaton to do it all.
        let fallback = LiteralScreen::of_literals([Some(vec![b"".to_vec(), b"abc".to_vec()])], false);
        assert!(fallback.packed.is_empty());
    }

    #[test]
    fn a_consumer_with_several_sets_needs_one_literal_of_each() {
        let set = |ls: &[&str]| ls.iter().map(|l| l.as_bytes().to_vec()).collect::<Vec<_>>();
        let screen = LiteralScreen::of_clauses([Some(vec![set(&["def"]), set(&["train", "fit"])]), Some(vec![set(&["def"])])], true);
        let on = |t: &str| (0..2).filter(|&i| screen.possible(t.as_bytes()).get(i)).collect::<Vec<_>>();
        assert_eq!(on("def run(): pass"), [1]);
        assert_eq!(on("model.fit(x)"), Vec::<usize>::new());
        assert_eq!(on("DEF Fit"), [0, 1]);
        assert_eq!(on("fit first, def later"), [0, 1]);
    }

    #[test]
    fn patterns_without_a_usable_literal_are_not_screened() {
        // A branch with nothing required, optional literals, short literals.
        assert_eq!(lits(r"(?-u)foobar|\w+\("), None);
        assert_eq!(lits(r"(?-u)(?:foobar)?\w+"), None);
        assert_eq!(lits(r"(?-u)\bab\s*\("), None);
        assert_eq!(lits(r"(?-u)[A-Z][A-Z0-9_]{2,}"), None);
        // A repeated literal is required, but not joined to its neighbours.
        assert_eq!(lits(r"(?-u)x(?:abc)+y"), Some(vec!["abc".into()]));
    }

    #[test]
    fn a_literal_screen_selects_the_consumers_whose_literals_occur() {
        let lits = |ls: &[&str]| Some(ls.iter().map(|l| l.as_bytes().to_vec()).collect::<Vec<_>>());
        let needs = || vec![lits(&["steps:", "jobs:"]), None, lits(&["jobs:"]), lits(&["Pipeline"])];
        let exact = LiteralScreen::of_literals(needs(), false);
        let folded = LiteralScreen::of_literals(needs(), true);
        let on = |s: &LiteralScreen, t: &str| (0..4).filter(|&i| s.possible(t.as_bytes()).get(i)).collect::<Vec<_>>();
        assert_eq!(on(&exact, "jobs:\n  a: 1\n"), [0, 1, 2], "a shared literal selects both consumers");
        assert_eq!(on(&exact, "steps: []"), [0, 1]);
        assert_eq!(on(&exact, "nothing"), [1], "a consumer without literals always applies");
        assert_eq!(on(&exact, "pipeline"), [1], "exact case");
        assert_eq!(on(&folded, "PIPELINE JOBS:"), [0, 1, 2, 3], "ASCII case ignored");
        assert_eq!(on(&LiteralScreen::default(), "x"), Vec::<usize>::new());
        // A literal seen again does not count twice towards ending the pass.
        assert_eq!(on(&exact, "jobs: jobs: Pipeline"), [0, 1, 2, 3]);
    }

    static RX_A: Rx = Rx::new(r"(?-u)(?m)^def[ \t]+init[ \t]*\(");
    static RX_B: Rx = Rx::new(r"(?-u)\w+\(");
    static GROUP: &[&Rx] = &[&RX_A, &RX_B];
    static SET: RxSet = RxSet::new(GROUP);

    #[test]
    fn a_screened_member_answers_as_the_plain_regex() {
        let texts: [&[u8]; 4] = [b"def init(x):\n    pass\n", b"def run(x):\n    init(x)\n", b"x = INIT\ndef  init (", b""];
        for t in texts {
            let plain: Vec<_> = RX_A.regex().find_iter(t).map(|m| m.range()).collect();
            let _s = SET.screen(t);
            assert_eq!(RX_A.find_iter(t).map(|m| m.range()).collect::<Vec<_>>(), plain);
            assert_eq!(RX_A.is_match(t), !plain.is_empty());
            assert_eq!(RX_B.find(t).map(|m| m.range()), RX_B.regex().find(t).map(|m| m.range()));
            // A slice of the screened text is screened too.
            let half = &t[..t.len() / 2];
            assert_eq!(RX_A.find(half).map(|m| m.range()), RX_A.regex().find(half).map(|m| m.range()));
        }
    }

    #[test]
    fn a_member_whose_literal_is_absent_is_not_run() {
        let t = b"def run(x):\n    pass\n";
        let _s = SET.screen(t);
        assert!(!RX_A.possible(t));
        assert!(RX_B.possible(t), "a member without literals always runs");
        // Another text is not covered by this screen.
        let other = b"def init(y):".to_vec();
        assert!(RX_A.possible(&other));
        assert!(RX_A.is_match(&other));
    }

    #[test]
    fn the_screen_ends_with_its_guard() {
        let t = b"nothing here".to_vec();
        {
            let _s = SET.screen(&t);
            assert!(!RX_A.possible(&t));
        }
        assert!(RX_A.possible(&t));
    }
}
