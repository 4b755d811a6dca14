//! Interoperability with Tencent's official libraries (spec §3.4):
//! the Python package `tls-sig-api-v2==1.1` and the Node package `tls-sig-api-v2@1.0.2`.
//!
//! (a) Tokens the official library generates verify with this crate.
//! (b) Tokens this crate generates pass a check built from the official library's own pieces
//!     (neither library has a verify function): its base64url decoding where it exposes one,
//!     zlib, JSON, and its private HMAC function recomputing `TLS.sig`.
//!
//! The libraries are found through `TIM_INTEROP_PYTHONPATH` (a directory with
//! `TLSSigAPIv2.py`) and `TIM_INTEROP_NODE_MODULES` (a `node_modules` with `tls-sig-api-v2`);
//! `crates/usersig/interop/setup.sh` installs both and prints the two variables. Without them
//! each test prints that it is skipped, or fails if `TIM_REQUIRE_INTEROP=1`.

// Test code: helpers outside #[test] functions may unwrap, panic and print too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tencent_im_usersig::{Clock, FixedClock, SecretKey, SystemClock, UserSigGenerator, inspect};

/// Identifier, expire, userbuf: plain, non-ASCII, characters JSON must escape, binary and empty
/// userbufs.
const CASES: &[(&str, u64, Option<&[u8]>)] = &[
    ("xiaojun", EXPIRE, None),
    ("xiaojun", EXPIRE, Some(b"abc")),
    ("用户😀", 86_400, None),
    ("quote\"back\\slash/<&>'", 86_400, None),
    ("tab\tnewline\n", 86_400, Some(&[0, 255, 1, 2, 254])),
    ("administrator", 1, Some(b"")),
    ("a", 4_294_967_295, None),
];

const PY_GENERATE: &str = r#"
import base64, json, sys, types
import TLSSigAPIv2 as lib

req = json.load(sys.stdin)
if req["time"] is not None:
    # The library reads `time.time()` through its module global; pin it for exact vectors.
    lib.time = types.SimpleNamespace(time=lambda: req["time"])
api = lib.TLSSigAPIv2(req["sdkappid"], req["key"])
out = []
for case in req["cases"]:
    if case["userbuf"] is None:
        out.append(api.gen_sig(case["identifier"], case["expire"]))
    else:
        userbuf = base64.b64decode(case["userbuf"])
        out.append(api.gen_sig_with_userbuf(case["identifier"], case["expire"], userbuf))
json.dump(out, sys.stdout)
"#;

const PY_CHECK: &str = r#"
import json, sys, zlib
import TLSSigAPIv2 as lib

req = json.load(sys.stdin)
api = lib.TLSSigAPIv2(req["sdkappid"], req["key"])
out = []
for token in req["tokens"]:
    doc = json.loads(zlib.decompress(lib.base64_decode_url(token.encode("ascii"))))
    expected = api._TLSSigAPIv2__hmacsha256(
        doc["TLS.identifier"], doc["TLS.time"], doc["TLS.expire"], doc.get("TLS.userbuf")
    ).decode("ascii")
    out.append({
        "sig_ok": expected == doc["TLS.sig"],
        "ver": doc["TLS.ver"],
        "sdkappid": doc["TLS.sdkappid"],
        "identifier": doc["TLS.identifier"],
        "time": doc["TLS.time"],
        "expire": doc["TLS.expire"],
        "userbuf": doc.get("TLS.userbuf"),
    })
json.dump(out, sys.stdout)
"#;

const NODE_GENERATE: &str = r#"
const path = require('path');
const { Api } = require(path.join(process.env.TIM_INTEROP_NODE_MODULES, 'tls-sig-api-v2'));
const req = JSON.parse(require('fs').readFileSync(0, 'utf8'));
if (req.time !== null) {
    // The library reads Date.now(); pin it for exact vectors.
    Date.now = () => req.time * 1000;
}
const api = new Api(req.sdkappid, req.key);
const out = req.cases.map((c) => c.userbuf === null
    ? api.genUserSig(c.identifier, c.expire)
    : api.genSig(c.identifier, c.expire, Buffer.from(c.userbuf, 'base64')));
process.stdout.write(JSON.stringify(out));
"#;

const NODE_CHECK: &str = r#"
const path = require('path');
const zlib = require('zlib');
const { Api } = require(path.join(process.env.TIM_INTEROP_NODE_MODULES, 'tls-sig-api-v2'));
const req = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const api = new Api(req.sdkappid, req.key);
const out = req.tokens.map((token) => {
    // The library's own decoder is not exported (and pads with commas), so undo the
    // substitutions of its `base64url.escape` here.
    const b64 = token.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
    const doc = JSON.parse(zlib.inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
    const userbuf = doc['TLS.userbuf'] === undefined ? null : doc['TLS.userbuf'];
    const expected = api._hmacsha256(doc['TLS.identifier'], doc['TLS.time'], doc['TLS.expire'], userbuf);
    return {
        sig_ok: expected === doc['TLS.sig'],
        ver: doc['TLS.ver'],
        sdkappid: doc['TLS.sdkappid'],
        identifier: doc['TLS.identifier'],
        time: doc['TLS.time'],
        expire: doc['TLS.expire'],
        userbuf,
    };
});
process.stdout.write(JSON.stringify(out));
"#;

#[derive(Clone, Copy)]
enum Lang {
    Python,
    Node,
}

struct Lib {
    lang: Lang,
    dir: PathBuf,
}

impl Lib {
    /// The library, or `None` after printing that the test is skipped (or failing when
    /// `TIM_REQUIRE_INTEROP=1`).
    fn find(lang: Lang) -> Option<Self> {
        let (var, file, program) = match lang {
            Lang::Python => ("TIM_INTEROP_PYTHONPATH", "TLSSigAPIv2.py", "python3"),
            Lang::Node => (
                "TIM_INTEROP_NODE_MODULES",
                "tls-sig-api-v2/TLSSigAPIv2.js",
                "node",
            ),
        };
        let problem = match std::env::var_os(var) {
            None => format!("{var} is not set"),
            Some(dir) => {
                let dir = PathBuf::from(dir);
                if !dir.join(file).is_file() {
                    format!("{var}={} has no {file}", dir.display())
                } else if Command::new(program)
                    .arg("--version")
                    .output()
                    .map_or(true, |o| !o.status.success())
                {
                    format!("{program} does not run")
                } else {
                    return Some(Self { lang, dir });
                }
            }
        };
        let hint = "run crates/usersig/interop/setup.sh and export what it prints";
        if std::env::var("TIM_REQUIRE_INTEROP").as_deref() == Ok("1") {
            panic!("TIM_REQUIRE_INTEROP=1 but the official library is missing: {problem} ({hint})");
        }
        println!("interop test skipped: {problem} ({hint}; TIM_REQUIRE_INTEROP=1 makes this fail)");
        None
    }

    fn run(&self, script: &str, input: &Value) -> Value {
        let mut command = match self.lang {
            Lang::Python => {
                let mut c = Command::new("python3");
                c.args(["-c", script]).env("PYTHONPATH", &self.dir);
                c
            }
            Lang::Node => {
                let mut c = Command::new("node");
                c.args(["-e", script])
                    .env("TIM_INTEROP_NODE_MODULES", &self.dir);
                c
            }
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "official library script failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn generate(&self, sdkappid: u64, key: &str, time: Option<u64>, cases: &[Case]) -> Vec<String> {
        let script = match self.lang {
            Lang::Python => PY_GENERATE,
            Lang::Node => NODE_GENERATE,
        };
        let cases: Vec<Value> = cases
            .iter()
            .map(|(identifier, expire, userbuf)| {
                json!({"identifier": identifier, "expire": expire, "userbuf": userbuf.map(b64)})
            })
            .collect();
        let tokens = self.run(
            script,
            &json!({"sdkappid": sdkappid, "key": key, "time": time, "cases": cases}),
        );
        serde_json::from_value(tokens).unwrap()
    }

    fn check(&self, sdkappid: u64, key: &str, tokens: &[String]) -> Vec<Value> {
        let script = match self.lang {
            Lang::Python => PY_CHECK,
            Lang::Node => NODE_CHECK,
        };
        let results = self.run(
            script,
            &json!({"sdkappid": sdkappid, "key": key, "tokens": tokens}),
        );
        serde_json::from_value(results).unwrap()
    }
}

type Case = (&'static str, u64, Option<&'static [u8]>);

fn verify<C: Clock>(generator: &UserSigGenerator<C>, token: &str, case: &Case) {
    let (identifier, expire, userbuf) = *case;
    let info = match userbuf {
        None => generator.verify(token, identifier),
        Some(userbuf) => generator.verify_with_userbuf(token, identifier, userbuf),
    }
    .unwrap_or_else(|e| panic!("official token for {identifier:?} does not verify: {e:?}"));
    assert_eq!(info.identifier, identifier);
    assert_eq!(info.sdkappid, generator.sdkappid());
    assert_eq!(info.expire, Duration::from_secs(expire));
    assert_eq!(info.userbuf.as_deref(), userbuf);
    assert_eq!(info.version.as_deref(), Some("2.0"));
}

/// (a) The official library's tokens verify here, with the same `TLS.sig` as ours.
fn official_tokens_verify(lib: &Lib) {
    let tokens = lib.generate(SDKAPPID, KEY, Some(TIME), CASES);
    let ours =
        UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY)).with_clock(FixedClock::new(TIME));
    for (token, case) in tokens.iter().zip(CASES) {
        verify(&ours, token, case);
        let info = inspect(token).unwrap();
        assert_eq!(info.issued_at, TIME);
        let (identifier, expire, userbuf) = *case;
        let mine = match userbuf {
            None => ours.generate(identifier, Duration::from_secs(expire)),
            Some(userbuf) => {
                ours.generate_with_userbuf(identifier, Duration::from_secs(expire), userbuf)
            }
        }
        .unwrap();
        assert_eq!(json_of(token)["TLS.sig"], json_of(mine.expose())["TLS.sig"]);
    }
    assert_eq!(json_of(&tokens[0])["TLS.sig"], SIG_XIAOJUN);
    assert_eq!(json_of(&tokens[1])["TLS.sig"], SIG_XIAOJUN_ABC);

    // Vector 3 of spec §3.6.
    let small = lib.generate(1, "2", Some(1_600_000_000), &[("3", 4, None)]);
    assert_eq!(json_of(&small[0])["TLS.sig"], SIG_SMALL);
    let ours =
        UserSigGenerator::new(1, SecretKey::new("2")).with_clock(FixedClock::new(1_600_000_000));
    verify(&ours, &small[0], &("3", 4, None));

    // The library left on its real clock.
    let live = lib.generate(SDKAPPID, KEY, None, &CASES[..1]);
    let ours = UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY)).with_clock(SystemClock);
    verify(&ours, &live[0], &CASES[0]);
}

/// (b) Our tokens pass the official library's own HMAC and decoding.
fn our_tokens_pass_the_official_check(lib: &Lib) {
    let ours =
        UserSigGenerator::new(SDKAPPID, SecretKey::new(KEY)).with_clock(FixedClock::new(TIME));
    let tokens: Vec<String> = CASES
        .iter()
        .map(|(identifier, expire, userbuf)| {
            let expire = Duration::from_secs(*expire);
            match userbuf {
                None => ours.generate(identifier, expire),
                Some(userbuf) => ours.generate_with_userbuf(identifier, expire, userbuf),
            }
            .unwrap()
            .expose()
            .to_owned()
        })
        .collect();
    let results = lib.check(SDKAPPID, KEY, &tokens);
    assert_eq!(results.len(), CASES.len());
    for (result, (identifier, expire, userbuf)) in results.iter().zip(CASES) {
        assert_eq!(result["sig_ok"], true, "{identifier:?}: {result}");
        assert_eq!(result["ver"], "2.0");
        assert_eq!(result["sdkappid"], SDKAPPID);
        assert_eq!(result["identifier"], *identifier);
        assert_eq!(result["time"], TIME);
        assert_eq!(result["expire"], *expire);
        assert_eq!(result["userbuf"], json!(userbuf.map(b64)));
    }

    // The check is not a rubber stamp: another key's token fails it.
    let other = UserSigGenerator::new(SDKAPPID, SecretKey::new("another key"))
        .with_clock(FixedClock::new(TIME));
    let forged = other
        .generate("xiaojun", Duration::from_secs(EXPIRE))
        .unwrap();
    let results = lib.check(SDKAPPID, KEY, &[forged.expose().to_owned()]);
    assert_eq!(results[0]["sig_ok"], false);
}

#[test]
fn python_tls_sig_api_v2() {
    let Some(lib) = Lib::find(Lang::Python) else {
        return;
    };
    official_tokens_verify(&lib);
    our_tokens_pass_the_official_check(&lib);
}

#[test]
fn node_tls_sig_api_v2() {
    let Some(lib) = Lib::find(Lang::Node) else {
        return;
    };
    official_tokens_verify(&lib);
    our_tokens_pass_the_official_check(&lib);
}
