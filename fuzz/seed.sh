#!/usr/bin/env bash
# (Re)generates the committed seed corpora in fuzz/corpus/<target>/seed-* from the golden vectors:
# tests/fixtures/tokens.json, tests/fixtures/cognito/*.json, tests/fixtures/cognito-api/*.json and the redirect
# cases of core/tests/redirect.rs. Deterministic: running it twice changes nothing. Entries libFuzzer adds are not
# seeds (they live in fuzz/target/corpus/, see run.sh) and are never committed.
# Input formats: fields are separated by the byte 0xFF; see each target's module doc.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - <<'PY'
import base64, glob, json, os, re, shutil

SEP = b"\xff"
root = "fuzz/corpus"
written = {}

def seed(target, name, data):
    d = os.path.join(root, target)
    if target not in written:
        # Only seeds are regenerated; anything else in the directory is left alone.
        os.makedirs(d, exist_ok=True)
        for old in glob.glob(os.path.join(d, "seed-*")):
            os.remove(old)
        written[target] = 0
    if isinstance(data, str):
        data = data.encode()
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    with open(os.path.join(d, f"seed-{safe}"), "wb") as f:
        f.write(data)
    written[target] += 1

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

# Golden tokens; a few near-duplicates are left out (libFuzzer finds them from their siblings in seconds) to keep
# the committed corpus small.
REDUNDANT = {
    "missing_sub", "missing_username", "missing_exp", "missing_aud", "missing_iss", "missing_azp",
    "x5u_header", "jwk_header", "x5c_header",
    "bad_base64url_header_padding", "extra_dot_inside", "header_not_object",
    "encoded_backslash_lowercase", "path_parameter_encoded_lowercase",
    "fraction_slash_lookalike", "fullwidth_backslash_lookalike",
}
tokens = json.load(open("tests/fixtures/tokens.json"))
for case in tokens["cases"]:
    if case["name"] not in REDUNDANT:
        seed("jws_verify", case["name"], b"\x00" + case["token"].encode())
# Minted mode: choice, iat offset, nbf offset, ttl, jti byte, tamper position (2), tamper char; then fields.
seed("jws_verify", "minted-valid", b"\x01" + bytes([0, 0, 0, 60, 1, 0, 40, 3]))
seed("jws_verify", "minted-redirect", b"\x01" + bytes([4, 0, 0, 30, 2, 0, 90, 7])
     + SEP.join([b"", b"", b"7d3c", b"bob", b"mobile", b"AAECAwQFBgcICQoLDA0ODw", b"/orders/42"]))
seed("jws_verify", "minted-early", b"\x01" + bytes([0, 0xfe, 1, 60, 3, 1, 2, 9]))
seed("jws_verify", "minted-wrong-issuer", b"\x01" + bytes([1, 0, 0, 60, 4, 0, 0, 0]) + b"https://evil.example")

valid = [c["token"] for c in tokens["cases"] if c["expect"] == "ok"]
for i, tok in enumerate(valid[:2]):
    seed("unverified_read", f"valid-{i}", b"\x10\x00" + tok.encode())
seed("unverified_read", "tight-limit", b"\x00\x40" + valid[0].encode())
jti_only = b64(b'{"jti":"AAECAwQFBgcICQoLDA0ODw"}')
seed("unverified_read", "jti-only", b"\x10\x00" + f"h.{jti_only}.s".encode())
seed("unverified_read", "two-parts", b"\x10\x00" + b"a.b")
# Found by the fuzzer: members the reads do not name may hold invalid UTF-8 or out-of-range numbers.
lenient = b64(b'{"qud":176723E650,"iss":"https:\x97/et","jti":"AAE\xd0E\xd5CFce"}')
seed("unverified_read", "lenient-members", b"\x10\x00" + f"eyJjoiaauifQ.{lenient}.x".encode())
null_members = b64(b'{"username":null,"exp":1e3}')
seed("unverified_read", "null-members", b"\x10\x00" + f"h.{null_members}.s".encode())

# Redirect cases from core/tests/redirect.rs (`name: "target" => outcome;`), against its narrow allowlist.
def rust_unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\":
            n = s[i + 1]
            if n == "u":
                end = s.index("}", i)
                out.append(chr(int(s[i + 3:end], 16)))
                i = end + 1
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"'}[n])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)

src = open("core/tests/redirect.rs").read()
allow = [b"/orders", b"/account/"]
for name, target in re.findall(r'^\s*(\w+): "((?:[^"\\]|\\.)*)" =>', src, re.M):
    if name not in REDUNDANT:
        seed("redirect", name, SEP.join([rust_unescape(target).encode()] + allow))
seed("redirect", "root-allowlist", SEP.join([b"/anything/at/all", b"/"]))
seed("redirect", "bad-entries", SEP.join([b"/orders/1", b"//evil.example", b"/orders?x=1", b"/orders/../"]))

# Landing page: fragments, payloads, configurations.
seed("link_fragment", "fragment-valid", b"\x00#tab=2&handoff=" + valid[0].encode() + b"&lang=en")
seed("link_fragment", "fragment-repeated", b"\x00#handoff=a.b.c&handoff=d.e.f&x")
seed("link_fragment", "fragment-bad-chars", b"\x00#handoff=a%2Eb.c")
# The rest (the address bar's own text) holds the token only once Debug escapes its NUL as `\0` (a fuzz find).
seed("link_fragment", "fragment-rest-escapes-to-the-token", b"\x00#x=\x00Gdyu_Y-NTyoH2tSAHsifQ.1Gdyu&handoff=0Gdyu_Y-NTyoH2tSAHsifQ.1Gdyu")
seed("link_fragment", "payload-redirect", b"\x01" + json.dumps(
    {"username": "alice", "aud": "web-client-test", "exp": 1800000060, "redirect": "/orders/42"}).encode() + SEP + b"tab=2")
seed("link_fragment", "payload-cjk", b"\x01" + json.dumps(
    {"username": "\u7528" * 128, "exp": 1800000060}, ensure_ascii=False).encode())
seed("link_fragment", "payload-evil-redirect", b"\x01" + json.dumps(
    {"username": "alice", "exp": 1, "redirect": "//evil.example"}).encode())
seed("link_fragment", "config-full", b"\x02" + json.dumps({
    "region": "eu-west-1", "userPoolId": "eu-west-1_AbC123", "clientId": "webclient123",
    "redirectAllowlist": ["/orders", "/account/"], "defaultRedirect": "/orders",
    "appReturnUrl": "myapp://home", "otherSignInUrl": "/signin"}).encode())
seed("link_fragment", "config-endpoint", b"\x02" + json.dumps({
    "region": "us-east-1", "clientId": "web", "cognitoEndpoint": "http://127.0.0.1:4566/",
    "appReturnUrl": "javascript:alert(1)"}).encode())

# Trigger events: the control byte scripts the fake edge (0: ok, then refusals and errors).
for path in sorted(glob.glob("tests/fixtures/cognito/*.json")):
    name = os.path.basename(path)[:-5]
    control = b"\x00" if name.startswith("verify") else b"\x25"
    seed("trigger_event", name, control + open(path, "rb").read())

# Edge requests (mode byte first, fields split on 0xFF).
req = json.load(open("tests/fixtures/wire/redeem-request.json"))
for name, data in [
    ("route-redeem", b"\x00POST" + SEP + b"/v1/redeem"),
    ("route-wrong-method", b"\x00GET" + SEP + b"/v1/handoffs"),
    ("route-unknown", b"\x00POST" + SEP + b"/v1/redeem/"),
    ("route-head-on-get", b"\x00HEAD" + SEP + b"/.well-known/jwks.json"),
    ("route-post-on-get", b"\x00POST" + SEP + b"/healthz"),
    ("bearer", b"\x01Bearer abc.def-ghi_jkl==" + SEP + b"abc.def-ghi_jkl==" + SEP + b"other"),
    ("bearer-garbled", b"\x01bearer a b"),
    ("content-type", b"\x02application/json; charset=\"UTF-8\""),
    ("content-length", b"\x028193"),
    ("body-redeem", b"\x03" + json.dumps(req).encode()),
    ("body-issue", b"\x03 {\"redirect\":\"/orders/42\"}"),
    ("body-array", b"\x03[\"/x\"]"),
    ("chunks", b"\x04" + SEP.join([b"\xfex" * 8, b"\x80y" * 4, b"z"])),
    ("jwks-own", b"\x05" + open("tests/fixtures/keys/test-only.public.jwks.json", "rb").read()),
]:
    seed("edge_request", name, data)

# Cognito answers: each recorded answer alone, and whole sign-ins.
def reply(path):
    d = json.load(open(path))
    kind = next((v for k, v in d["headers"].items() if k.lower() == "x-amzn-errortype"), None)
    body = d["body"] if isinstance(d["body"], str) else json.dumps(d["body"])
    return (f"{d['status']}" + (f" {kind}" if kind else "") + "\n" + body).encode()

api = "tests/fixtures/cognito-api/"
for path in sorted(glob.glob(api + "*.json")):
    seed("cognito_answer", os.path.basename(path)[:-5], b"\x00" + reply(path))
for name, steps in [
    ("flow-ok", ["initiate-auth-custom-challenge", "respond-custom-challenge-ok"]),
    ("flow-ministack", ["initiate-auth-custom-challenge-ministack", "respond-custom-challenge-ok"]),
    ("flow-throttled", ["error-too-many-requests", "initiate-auth-custom-challenge", "error-internal",
                        "respond-custom-challenge-ok"]),
    ("flow-another-round", ["initiate-auth-custom-challenge", "respond-custom-challenge-another-round"]),
    ("flow-wrong-answer", ["initiate-auth-custom-challenge", "error-not-authorized-wrong-answer"]),
    ("flow-network", ["initiate-auth-custom-challenge", "offline", "respond-custom-challenge-ok"]),
]:
    seed("cognito_answer", name, b"\x00" + SEP.join(
        b"offline" if s == "offline" else reply(f"{api}{s}.json") for s in steps))
# With an edge configured, the first reply is the edge's answer to the binding call.
ok_flow = [reply(f"{api}initiate-auth-custom-challenge.json"), reply(f"{api}respond-custom-challenge-ok.json")]
for name, bind in [
    ("bound-proof", b'200\n{"binding":"b1.b2_-","expires_in":60}'),
    ("bound-wrong-context", b'403\n{"error":"wrong_context","message":"asked for elsewhere"}'),
    ("bound-off", b'404\n{"error":"not_found","message":"no such path"}'),
]:
    seed("cognito_answer", name, b"\x01" + SEP.join([bind] + ok_flow))

# The page's JSON reader against serde_json: Cognito's answers, a configuration, and the edge cases of the grammar.
for path in sorted(glob.glob(api + "*.json")):
    body = json.load(open(path))["body"]
    seed("json", "answer-" + os.path.basename(path)[:-5], body if isinstance(body, str) else json.dumps(body))
for name, text in [
    ("escapes", r'["\u00e9\ud83d\ude00\n\t\"\\\/", -0, 1.5e-3, 18446744073709551616, true, null]'),
    ("repeated-member", '{"username":"alice","username":"mallory"}'),
    ("deep", "[" * 70 + "]" * 70),
    ("out-of-range", "[1e400]"),
    ("lone-surrogate", r'"\ud800"'),
]:
    seed("json", name, text)

for target, n in sorted(written.items()):
    print(f"seed: {target}: {n} seeds")
print(f"seed: {sum(written.values())} seeds in all")
PY
