// Kontor through masto.js, the way Elk and Phanpy use it. Run by
// interop/masto.sh, which starts Kontor and passes:
//   KONTOR_URL      http://127.0.0.1:PORT
//   ALICE_PASSWORD  alice signs in through OAuth (the browser part is fetch + a cookie jar)
//   BOB_TOKEN, CAROL_TOKEN  tokens from `kontor admin token create`
// Prints one line per check and "N passed, N failed"; exits 1 on any failure.
import { createHash, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import {
  createOAuthAPIClient,
  createRestAPIClient,
  createStreamingAPIClient,
  MastoHttpError,
} from "masto";
import { WebSocket } from "ws";

const BASE = need("KONTOR_URL");
const ALICE_PASSWORD = need("ALICE_PASSWORD");
const BOB_TOKEN = need("BOB_TOKEN");
const CAROL_TOKEN = need("CAROL_TOKEN");
// Phanpy registers location.origin + pathname; the browser never reaches it here.
const REDIRECT_URI = "https://phanpy.example/";
const SCOPES = "read write follow push";
const log = process.env.MASTO_LOG ? "info" : "error";

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set; run interop/masto.sh`);
    process.exit(2);
  }
  return v;
}

// ---------------------------------------------------------------- checks

let passed = 0;
let failed = 0;
let skipped = 0;

class Skip extends Error {}

/** Runs one check and prints one line; returns its value or undefined. */
async function check(name, fn) {
  const started = Date.now();
  try {
    const v = await fn();
    passed++;
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
    return v;
  } catch (err) {
    if (err instanceof Skip) {
      skipped++;
      console.log(`skip  ${name}: ${err.message}`);
      return undefined;
    }
    failed++;
    console.log(`FAIL  ${name}: ${describe(err)}`);
    return undefined;
  }
}

function describe(err) {
  if (err instanceof MastoHttpError) {
    return `MastoHttpError ${err.statusCode}: ${err.message}${err.description ? ` (${err.description})` : ""}`;
  }
  if (err?.cause?.code) return `${err.message} (${err.cause.code})`;
  return err?.stack?.split("\n").slice(0, 3).join(" | ") ?? String(err);
}

/** needs throws a Skip when an earlier check did not give what this one needs. */
function needs(...values) {
  if (values.some((v) => v === undefined || v === null)) throw new Skip("an earlier check failed");
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function eq(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** rejects calls fn and returns the error it throws; fails when it does not. */
async function rejects(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("succeeded, want an error");
}

// ---------------------------------------------------------------- the browser

/** A browser: fetch with a cookie jar, following redirects on Kontor only. */
class Browser {
  cookies = new Map();

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    headers.set("User-Agent", "Mozilla/5.0 (interop; masto.js acceptance)");
    if (this.cookies.size) {
      headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    if (init.method === "POST") {
      // What a browser sends with a same-origin form POST.
      headers.set("Origin", BASE);
      headers.set("Sec-Fetch-Site", "same-origin");
    }
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=(-|0$)/i.test(a.trim()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** follow GETs redirects while they stay on Kontor; returns the last response. */
  async follow(res) {
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const to = new URL(res.headers.get("location"), BASE);
      if (to.origin !== new URL(BASE).origin) return res;
      res = await this.request(to.href);
    }
    return res;
  }

  async get(url) {
    return this.follow(await this.request(url));
  }

  async post(url, form) {
    return this.follow(
      await this.request(new URL(url, BASE).href, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      }),
    );
  }
}

function unescapeHTML(s) {
  return s
    .replaceAll("&#34;", '"')
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&#43;", "+")
    .replaceAll("&amp;", "&");
}

/** form returns the action and the fields of the first form whose action matches. */
function form(html, action) {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  for (const [, attrs, body] of forms) {
    const a = /action="([^"]*)"/.exec(attrs)?.[1];
    if (a === undefined || !a.startsWith(action)) continue;
    const fields = {};
    for (const [input] of body.matchAll(/<input\b[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      const type = /type="([^"]*)"/.exec(input)?.[1] ?? "text";
      if (!name || (type === "radio" && !/\bchecked\b/.test(input))) continue;
      fields[name] = unescapeHTML(/value="([^"]*)"/.exec(input)?.[1] ?? "");
    }
    return { action: unescapeHTML(a), fields };
  }
  throw new Error(`no form posting to ${action} on the page`);
}

// ---------------------------------------------------------------- helpers

function base64url(buf) {
  return buf.toString("base64").replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** png makes a valid w×h RGB PNG of one colour. */
function png(w, h, [r, g, b]) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set([r, g, b], y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** collect reads a masto stream subscription in the background. */
function collect(subscription) {
  const c = {
    events: [],
    error: null,
    waiters: new Set(),
    /** waitFor resolves with the first event (seen or to come) matching pred. */
    waitFor(pred, what, ms = 8000) {
      const seen = c.events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = {
          test: (ev) => {
            if (!pred(ev)) return;
            clearTimeout(w.timer);
            c.waiters.delete(w);
            resolve(ev);
          },
          timer: setTimeout(() => {
            c.waiters.delete(w);
            const got = c.events.map((e) => `${e.event}[${e.stream}]`).join(", ");
            reject(new Error(`no ${what} within ${ms} ms${c.error ? ` (stream error: ${c.error.message})` : ""}; got: ${got || "nothing"}`));
          }, ms),
        };
        c.waiters.add(w);
      });
    },
  };
  (async () => {
    try {
      for await (const ev of subscription) {
        c.events.push(ev);
        for (const w of [...c.waiters]) w.test(ev);
      }
    } catch (err) {
      c.error = err;
    }
  })();
  return c;
}

function ids(list) {
  return list.map((x) => x.id);
}

/** byID compares Mastodon IDs (decimal strings) numerically. */
function newerThan(a, b) {
  return a.length !== b.length ? a.length > b.length : a > b;
}

function strictlyNewestFirst(list, what) {
  for (let i = 1; i < list.length; i++) {
    assert(newerThan(list[i - 1], list[i]), `${what} not newest first at ${i}: ${list[i - 1]} then ${list[i]}`);
  }
}

/** pages walks a paginator with for await (masto follows Link rel=next), bounded. */
async function pages(paginator, max = 40) {
  const out = [];
  for await (const page of paginator) {
    out.push(page);
    if (out.length > max) throw new Error(`more than ${max} pages: the paginator does not stop`);
  }
  return out;
}

// ---------------------------------------------------------------- the suite

const anon = createRestAPIClient({ url: BASE, timeout: 10000, log });
const bob = createRestAPIClient({ url: BASE, accessToken: BOB_TOKEN, timeout: 10000, log });
const carol = createRestAPIClient({ url: BASE, accessToken: CAROL_TOKEN, timeout: 10000, log });
const browser = new Browser();
const S = {}; // what the checks share

console.log(`masto.js acceptance suite against ${BASE} (${process.env.KONTOR_DIALECT ?? "sqlite"})`);

// ---- 1. OAuth as Phanpy does it

S.app = await check("oauth: POST /api/v1/apps (form, as Phanpy)", async () => {
  const res = await fetch(`${BASE}/api/v1/apps`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_name: "Phanpy",
      redirect_uris: REDIRECT_URI,
      scopes: SCOPES,
      website: "https://phanpy.social",
    }),
  });
  eq(res.status, 200, "status");
  const app = await res.json();
  assert(app.client_id && app.client_secret, `no client_id/client_secret in ${JSON.stringify(app)}`);
  eq(app.name, "Phanpy", "name");
  eq(app.redirect_uri, REDIRECT_URI, "redirect_uri");
  return app;
});

S.meta = await check("oauth: GET /.well-known/oauth-authorization-server offers PKCE S256", async () => {
  const res = await fetch(`${BASE}/.well-known/oauth-authorization-server`);
  eq(res.status, 200, "status");
  const m = await res.json();
  assert(m.code_challenge_methods_supported?.includes("S256"), `code_challenge_methods_supported: ${JSON.stringify(m.code_challenge_methods_supported)}`);
  for (const k of ["authorization_endpoint", "token_endpoint", "scopes_supported", "response_types_supported"]) {
    assert(m[k], `no ${k}`);
  }
  assert(m.scopes_supported.includes("push") && m.scopes_supported.includes("follow"), "scopes_supported lacks follow/push");
  return m;
});

/** authorize drives the browser through sign-in and consent; returns the code. */
async function authorize(challenge, state) {
  const url = new URL(S.meta.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: S.app.client_id,
    scope: SCOPES,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
  }).toString();
  let res = await browser.get(url.href);
  let html = await res.text();
  if (html.includes('action="/auth/sign_in"')) {
    eq(res.status, 200, "sign-in page status");
    const f = form(html, "/auth/sign_in");
    assert(f.fields.return_to?.startsWith("/oauth/authorize?"), `sign-in form return_to: ${f.fields.return_to}`);
    res = await browser.post(f.action, { ...f.fields, login: "alice", password: ALICE_PASSWORD });
    html = await res.text();
  }
  eq(res.status, 200, "consent page status");
  const f = form(html, "/oauth/authorize");
  res = await browser.post(f.action, { ...f.fields, decision: "authorize" });
  eq(res.status, 302, "consent answer status");
  const to = new URL(res.headers.get("location"));
  eq(to.origin + to.pathname, REDIRECT_URI, "redirect");
  eq(to.searchParams.get("state"), state, "state");
  const code = to.searchParams.get("code");
  assert(code, `no code in ${to}`);
  return code;
}

const verifier = base64url(randomBytes(48));
const challenge = base64url(createHash("sha256").update(verifier).digest());
const oauth = createOAuthAPIClient({ url: BASE, timeout: 10000, log });

S.code = await check("oauth: /oauth/authorize through the sign-in and consent forms (PKCE S256)", async () => {
  needs(S.app, S.meta);
  return authorize(challenge, "phanpy-state-1");
});

S.token = await check("oauth: token.create exchanges the code with the PKCE verifier", async () => {
  needs(S.code);
  const wrong = await rejects(() =>
    oauth.token.create({
      grantType: "authorization_code",
      clientId: S.app.client_id,
      clientSecret: S.app.client_secret,
      redirectUri: REDIRECT_URI,
      code: S.code,
      codeVerifier: base64url(randomBytes(48)),
    }),
  );
  assert(wrong instanceof MastoHttpError && wrong.statusCode === 400, `a wrong verifier: ${describe(wrong)}`);
  // A refused verifier must not burn the code?  RFC 6749 lets a server
  // revoke it; Kontor keeps it single-use, so authorize again when it did.
  let code = S.code;
  try {
    const t = await oauth.token.create({
      grantType: "authorization_code",
      clientId: S.app.client_id,
      clientSecret: S.app.client_secret,
      redirectUri: REDIRECT_URI,
      code,
      codeVerifier: verifier,
      scope: SCOPES,
    });
    return check_token(t);
  } catch (err) {
    if (!(err instanceof MastoHttpError) || err.statusCode !== 400) throw err;
    code = await authorize(challenge, "phanpy-state-1b");
  }
  const t = await oauth.token.create({
    grantType: "authorization_code",
    clientId: S.app.client_id,
    clientSecret: S.app.client_secret,
    redirectUri: REDIRECT_URI,
    code,
    codeVerifier: verifier,
    scope: SCOPES,
  });
  return check_token(t);
});

function check_token(t) {
  assert(t.accessToken, `no access_token in ${JSON.stringify(t)}`);
  eq(t.tokenType, "Bearer", "token_type");
  eq(t.scope, SCOPES, "scope");
  assert(typeof t.createdAt === "number", `created_at: ${t.createdAt}`);
  return t.accessToken;
}

await check("oauth: a public client (PKCE, no client_secret) gets a token, as Phanpy may", async () => {
  needs(S.token);
  const v = base64url(randomBytes(48));
  const code = await authorize(base64url(createHash("sha256").update(v).digest()), "phanpy-state-2");
  const t = await oauth.token.create({
    grantType: "authorization_code",
    clientId: S.app.client_id,
    redirectUri: REDIRECT_URI,
    code,
    codeVerifier: v,
  });
  assert(t.accessToken && t.accessToken !== S.token, "no new token");
  // A code is single-use.
  const again = await rejects(() =>
    oauth.token.create({ grantType: "authorization_code", clientId: S.app.client_id, redirectUri: REDIRECT_URI, code, codeVerifier: v }),
  );
  assert(again instanceof MastoHttpError && again.statusCode === 400, `a used code: ${describe(again)}`);
  eq(again.message, "invalid_grant", "error of a used code");
  // Phanpy's logout revokes it.
  await oauth.revoke({ clientId: S.app.client_id, clientSecret: S.app.client_secret, token: t.accessToken });
  const gone = await rejects(() =>
    createRestAPIClient({ url: BASE, accessToken: t.accessToken, timeout: 10000, log }).v1.accounts.verifyCredentials(),
  );
  assert(gone instanceof MastoHttpError && gone.statusCode === 401, `a revoked token: ${describe(gone)}`);
});

await check("oauth (Elk): apps as JSON; force_login=true shows the sign-in form again; token without PKCE", async () => {
  needs(S.token);
  const redirect = "https://elk.example/api/127.0.0.1/oauth/https%3A%2F%2Felk.example";
  const res = await fetch(`${BASE}/api/v1/apps`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ client_name: "Elk", website: "https://elk.zone", redirect_uris: redirect, scopes: SCOPES }),
  });
  eq(res.status, 200, "apps status");
  const app = await res.json();
  const url = new URL("/oauth/authorize", BASE);
  url.search = new URLSearchParams({
    client_id: app.client_id,
    force_login: "true",
    scope: SCOPES,
    response_type: "code",
    lang: "de",
    redirect_uri: redirect,
  }).toString();
  // alice's browser is signed in already (the Phanpy checks); force_login asks again.
  let page = await browser.get(url.href);
  let html = await page.text();
  assert(html.includes('action="/auth/sign_in"'), `force_login=true did not show the sign-in form (status ${page.status})`);
  assert(/<html[^>]*lang="de"/.test(html), "the sign-in page ignores lang=de");
  const f = form(html, "/auth/sign_in");
  page = await browser.post(f.action, { ...f.fields, login: "alice@example.com", password: ALICE_PASSWORD });
  html = await page.text();
  eq(page.status, 200, "consent page status");
  const c = form(html, "/oauth/authorize");
  page = await browser.post(c.action, { ...c.fields, decision: "authorize" });
  eq(page.status, 302, "consent answer");
  const to = new URL(page.headers.get("location"));
  eq(to.origin + to.pathname, new URL(redirect).origin + new URL(redirect).pathname, "redirect");
  const code = to.searchParams.get("code");
  // Elk's server exchanges it with a JSON body, client_secret and no verifier.
  const t = await oauth.token.create({
    grantType: "authorization_code",
    clientId: app.client_id,
    clientSecret: app.client_secret,
    redirectUri: redirect,
    code,
    scope: SCOPES,
  });
  const elk = createRestAPIClient({ url: BASE, accessToken: t.accessToken, timeout: 10000, log });
  eq((await elk.v1.apps.verifyCredentials()).name, "Elk", "app name");
  eq((await elk.v1.accounts.verifyCredentials()).username, "alice", "username");
});

const rest = S.token ? createRestAPIClient({ url: BASE, accessToken: S.token, timeout: 10000, log }) : null;

await check("oauth: v1.apps.verifyCredentials() with the new token", async () => {
  needs(rest);
  const app = await rest.v1.apps.verifyCredentials();
  eq(app.name, "Phanpy", "name");
  eq(app.website, "https://phanpy.social", "website");
});

if (!rest) {
  console.log("no token for alice: the rest of the suite needs one");
  console.log(`${passed} passed, ${failed + 1} failed, ${skipped} skipped`);
  process.exit(1);
}

// ---- 2. Start-up calls (Elk, Phanpy)

S.instance = await check("startup: v2.instance.fetch() has configuration.urls.streaming, statuses.max_characters, polls.max_options", async () => {
  const i = await rest.v2.instance.fetch();
  const c = i.configuration;
  assert(c, "no configuration");
  assert(/^wss?:\/\//.test(c.urls?.streaming ?? ""), `configuration.urls.streaming: ${c.urls?.streaming}`);
  assert(Number.isInteger(c.statuses?.maxCharacters) && c.statuses.maxCharacters > 0, `statuses.max_characters: ${c.statuses?.maxCharacters}`);
  assert(Number.isInteger(c.polls?.maxOptions) && c.polls.maxOptions >= 2, `polls.max_options: ${c.polls?.maxOptions}`);
  for (const k of ["accounts", "mediaAttachments", "translation"]) assert(c[k], `no configuration.${k}`);
  assert(i.domain && i.version && i.title !== undefined, "domain/version/title");
  eq(new URL(c.urls.streaming).host, new URL(BASE).host, "streaming host");
  return i;
});

await check("startup: v1.instance.fetch() has urls.streaming_api", async () => {
  const i = await rest.v1.instance.fetch();
  assert(/^wss?:\/\//.test(i.urls?.streamingApi ?? ""), `urls.streaming_api: ${i.urls?.streamingApi}`);
  assert(i.uri && i.version, "uri/version");
});

await check("startup: nodeinfo (/.well-known/nodeinfo → document, as Phanpy fetches it)", async () => {
  const wk = await (await fetch(`${BASE}/.well-known/nodeinfo`)).json();
  const link = wk.links?.find((l) => /nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/.test(l.rel));
  assert(link, `no nodeinfo 2.x link in ${JSON.stringify(wk)}`);
  const doc = await (await fetch(link.href)).json();
  assert(doc.software?.name && doc.software?.version, `software: ${JSON.stringify(doc.software)}`);
  const direct = await fetch(`${BASE}/nodeinfo/2.0`);
  eq(direct.status, 200, "GET /nodeinfo/2.0 (Elk)");
});

await check("browser (Elk, Phanpy): CORS on the API, /oauth/token, /api/v1/apps and the discovery documents; Link exposed", async () => {
  const origin = "https://phanpy.social";
  for (const path of ["/api/v1/timelines/home", "/api/v1/statuses", "/oauth/token", "/oauth/revoke", "/api/v1/apps"]) {
    const pre = await fetch(BASE + path, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type,idempotency-key" },
    });
    assert(pre.status === 200 || pre.status === 204, `OPTIONS ${path}: ${pre.status}`);
    const allow = pre.headers.get("access-control-allow-origin");
    assert(allow === "*" || allow === origin, `OPTIONS ${path}: Access-Control-Allow-Origin ${allow}`);
    const hdrs = (pre.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["authorization", "content-type", "idempotency-key"]) assert(hdrs === "*" || hdrs.includes(h), `OPTIONS ${path}: ${h} not allowed (${hdrs})`);
  }
  for (const path of ["/.well-known/nodeinfo", "/nodeinfo/2.0", "/.well-known/oauth-authorization-server", "/api/v2/instance"]) {
    const res = await fetch(BASE + path, { headers: { Origin: origin } });
    const allow = res.headers.get("access-control-allow-origin");
    assert(allow === "*" || allow === origin, `GET ${path}: Access-Control-Allow-Origin ${allow}`);
  }
  const res = await fetch(`${BASE}/api/v1/timelines/public?limit=1`, { headers: { Origin: origin } });
  const expose = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase();
  assert(expose.split(/\s*,\s*/).includes("link"), `Access-Control-Expose-Headers: ${expose}`);
});

S.alice = await check("startup: v1.accounts.verifyCredentials()", async () => {
  const me = await rest.v1.accounts.verifyCredentials();
  eq(me.username, "alice", "username");
  eq(me.acct, "alice", "acct");
  assert(me.source && typeof me.source.privacy === "string", `source: ${JSON.stringify(me.source)}`);
  assert(typeof me.id === "string", "id is a string");
  return me;
});

await check("startup: v1.preferences.fetch()", async () => {
  const p = await rest.v1.preferences.fetch();
  // masto camelCases the keys: posting:default:visibility → postingDefaultVisibility
  const vis = p["posting:default:visibility"] ?? p.postingDefaultVisibility;
  eq(vis, "public", "posting:default:visibility");
});

await check("startup: v1.customEmojis.list()", async () => {
  const e = await rest.v1.customEmojis.list();
  assert(Array.isArray(e), "not an array");
});

await check("startup: v1.announcements.list()", async () => {
  assert(Array.isArray(await rest.v1.announcements.list()), "not an array");
});

await check("startup: v1.lists.list()", async () => {
  assert(Array.isArray(await rest.v1.lists.list()), "not an array");
});

await check("startup: v1.followedTags.list()", async () => {
  assert(Array.isArray(await rest.v1.followedTags.list()), "not an array");
});

await check("startup: v2.filters.list()", async () => {
  assert(Array.isArray(await rest.v2.filters.list()), "not an array");
});

await check("startup: v1.markers.fetch({timeline: ['notifications']}) has the notifications marker", async () => {
  const m = await rest.v1.markers.fetch({ timeline: ["notifications"] });
  const n = m.notifications;
  assert(n, `no notifications marker in ${JSON.stringify(m)}`);
  assert(typeof n.lastReadId === "string", `last_read_id: ${n.lastReadId}`);
  assert(Number.isInteger(n.version), `version: ${n.version}`);
  assert(typeof n.updatedAt === "string", `updated_at: ${n.updatedAt}`);
});

await check("startup: v1.followRequests.list({limit: 1})", async () => {
  assert(Array.isArray(await rest.v1.followRequests.list({ limit: 1 })), "not an array");
});

await check("startup: v1.push.subscription.fetch() is a 404 MastoHttpError (Elk accepts it) or a subscription", async () => {
  try {
    await rest.v1.push.subscription.fetch();
  } catch (err) {
    assert(err instanceof MastoHttpError && err.statusCode === 404, describe(err));
  }
});

await check("startup (Phanpy, version 4.3): v2.notifications.policy.fetch() and v1.notifications.requests.list()", async () => {
  const p = await rest.v2.notifications.policy.fetch();
  assert(p && typeof p === "object", `policy: ${JSON.stringify(p)}`);
  assert(p.summary && Number.isInteger(p.summary.pendingRequestsCount), `summary: ${JSON.stringify(p.summary)}`);
  assert(Array.isArray(await rest.v1.notifications.requests.list()), "requests is not an array");
});

await check("startup: api_versions.mastodon < 2 (Phanpy stays on v1 notifications) or v2 notifications work", async () => {
  needs(S.instance);
  const v = S.instance.apiVersions?.mastodon ?? 0;
  if (v >= 2) {
    const g = await rest.v2.notifications.list({ limit: 5 });
    assert(Array.isArray(g.notificationGroups), "v2 notifications");
  }
});

await check("explore (Elk, Phanpy): trends statuses, tags and links; v2.suggestions", async () => {
  for (const [name, p] of [
    ["trends/statuses", rest.v1.trends.statuses.list()],
    ["trends/tags", rest.v1.trends.tags.list()],
    ["trends/links", rest.v1.trends.links.list()],
    ["v2/suggestions", rest.v2.suggestions.list()],
  ]) {
    assert(Array.isArray(await p), `${name} is not an array`);
  }
});

// ---- 5a. Streaming: connect before anything happens

S.stream = await check("streaming: createStreamingAPIClient over ws, token as Sec-WebSocket-Protocol (echoed)", async () => {
  needs(S.instance);
  const st = createStreamingAPIClient({
    streamingApiUrl: S.instance.configuration.urls.streaming,
    accessToken: S.token,
    implementation: WebSocket,
    retry: 3,
    log,
  });
  const ws = await Promise.race([
    st.prepare(),
    sleep(8000).then(() => {
      throw new Error("no connection within 8 s");
    }),
  ]);
  eq(ws.protocol, S.token, "subprotocol the server chose");
  ws.setMaxListeners(50); // ws's EventEmitter: masto adds listeners per subscription
  const user = collect(st.user.subscribe());
  const notif = collect(st.user.notification.subscribe());
  const pub = collect(st.public.subscribe());
  await sleep(300); // the subscribe messages reach the server
  return { st, ws, user, notif, pub };
});

await check("streaming: a wrong token does not connect", async () => {
  needs(S.instance);
  const st = createStreamingAPIClient({
    streamingApiUrl: S.instance.configuration.urls.streaming,
    accessToken: "not-a-token",
    implementation: WebSocket,
    retry: false,
  });
  const quiet = console.error; // masto logs the refused handshake itself
  console.error = () => {};
  let err;
  try {
    err = await rejects(() => st.prepare());
  } finally {
    console.error = quiet;
    st.close();
  }
  assert(/WebSocket/.test(err.message), describe(err));
});

await check("streaming (Phanpy logout): revoking the token ends its open stream; no event reaches it afterwards", async () => {
  needs(S.instance, S.app);
  const v = base64url(randomBytes(48));
  const code = await authorize(base64url(createHash("sha256").update(v).digest()), "logout");
  const t = await oauth.token.create({ grantType: "authorization_code", clientId: S.app.client_id, redirectUri: REDIRECT_URI, code, codeVerifier: v });
  const st = createStreamingAPIClient({
    streamingApiUrl: S.instance.configuration.urls.streaming,
    accessToken: t.accessToken,
    implementation: WebSocket,
    retry: false,
    log,
  });
  const ws = await st.prepare();
  const closed = new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
  const sub = collect(st.public.subscribe());
  await sleep(300);
  const before = await bob.v1.statuses.create({ status: "before the logout" });
  await sub.waitFor((e) => e.event === "update" && e.payload.id === before.id, "update before the logout");
  await oauth.revoke({ clientId: S.app.client_id, clientSecret: S.app.client_secret, token: t.accessToken });
  const after = await bob.v1.statuses.create({ status: "after the logout" });
  const quiet = console.error;
  console.error = () => {};
  try {
    const done = await Promise.race([closed.then(() => true), sleep(5000).then(() => false)]);
    assert(!sub.events.some((e) => e.payload?.id === after.id), "a revoked token's stream got a post made after the revocation");
    assert(done, "the stream of a revoked token is still open 5 s later");
  } finally {
    st.close();
    await sleep(1300); // masto still reconnects once after its 1 s back-off (refused: 401) and logs it
    console.error = quiet;
  }
});

// ---- 6a. A second user follows the first; relationships

S.carol = await check("social: carol's account (verifyCredentials with a CLI token)", async () => {
  const me = await carol.v1.accounts.verifyCredentials();
  eq(me.username, "carol", "username");
  return me;
});

S.bob = await check("social: bob looks alice up and follows her (v1.accounts.$select(id).follow())", async () => {
  needs(S.alice);
  const me = await bob.v1.accounts.verifyCredentials();
  const found = await bob.v1.accounts.lookup({ acct: "alice" });
  eq(found.id, S.alice.id, "lookup id");
  const rel = await bob.v1.accounts.$select(S.alice.id).follow();
  assert(rel.following === true && rel.requested === false, `relationship: ${JSON.stringify(rel)}`);
  return me;
});

await check("social: alice follows bob back; v1.accounts.relationships.fetch({id: [...]})", async () => {
  needs(S.bob);
  const rel = await rest.v1.accounts.$select(S.bob.id).follow({ reblogs: true });
  eq(rel.following, true, "following");
  const rels = await rest.v1.accounts.relationships.fetch({ id: [S.bob.id] });
  eq(rels.length, 1, "relationships");
  eq(rels[0].id, S.bob.id, "id");
  eq(rels[0].following, true, "following");
  eq(rels[0].followedBy, true, "followed_by");
  eq(rels[0].blocking, false, "blocking");
  const followers = await rest.v1.accounts.$select(S.alice.id).followers.list();
  assert(ids(followers).includes(S.bob.id), "bob not among alice's followers");
});

await check("streaming: the follow arrives as a notification on user and user:notification", async () => {
  needs(S.stream, S.bob);
  const pred = (ev) => ev.event === "notification" && ev.payload.type === "follow" && ev.payload.account.id === S.bob.id;
  const ev = await S.stream.user.waitFor(pred, "follow notification on user");
  assert(ev.stream.includes("user"), `stream: ${ev.stream}`);
  const ev2 = await S.stream.notif.waitFor(pred, "follow notification on user:notification");
  assert(ev2.stream.includes("user:notification"), `stream: ${ev2.stream}`);
});

// ---- 3. Posting

const picture = png(64, 48, [200, 30, 30]);

S.media = await check("posting: v2.media.create (multipart; masto polls GET /api/v1/media/:id)", async () => {
  const m = await rest.v2.media.create({ file: new Blob([picture], { type: "image/png" }), description: "a red rectangle" });
  eq(m.type, "image", "type");
  assert(m.url, "url is null after masto's polling");
  eq(m.description, "a red rectangle", "description");
  return m;
});

await check("posting: v1.media.$select(id).fetch() until url is non-null; the url serves the file", async () => {
  needs(S.media);
  let m;
  for (let i = 0; i < 20; i++) {
    m = await rest.v1.media.$select(S.media.id).fetch();
    if (m.url) break;
    await sleep(500);
  }
  assert(m.url, "url stays null");
  const res = await fetch(m.url);
  eq(res.status, 200, "GET url");
  assert(m.previewUrl, "preview_url");
  assert(m.meta?.original?.width === 64, `meta.original: ${JSON.stringify(m.meta?.original)}`);
});

await check("posting: v1.media.$select(id).update({description})", async () => {
  needs(S.media);
  const m = await rest.v1.media.$select(S.media.id).update({ description: "a red rectangle, 64 by 48" });
  eq(m.description, "a red rectangle, 64 by 48", "description");
});

await check("posting: v1.media.create (v1, as Elk uploads)", async () => {
  const m = await rest.v1.media.create({ file: new Blob([png(8, 8, [0, 0, 255])], { type: "image/png" }) });
  assert(m.id && m.url, `media: ${JSON.stringify(m)}`);
});

S.post = await check("posting: v1.statuses.create with Idempotency-Key, twice → the same status", async () => {
  needs(S.media);
  const key = `phanpy-${randomBytes(8).toString("hex")}`;
  const params = { status: "Hello from masto.js #KontorInterop", mediaIds: [S.media.id], visibility: "public", language: "en" };
  const a = await rest.v1.statuses.create(params, { requestInit: { headers: { "Idempotency-Key": key } } });
  const b = await rest.v1.statuses.create(params, { requestInit: { headers: { "Idempotency-Key": key } } });
  eq(b.id, a.id, "second id");
  eq(a.mediaAttachments.length, 1, "media_attachments");
  eq(a.mediaAttachments[0].description, "a red rectangle, 64 by 48", "attachment description");
  eq(a.tags?.[0]?.name?.toLowerCase(), "kontorinterop", "tag");
  eq(a.visibility, "public", "visibility");
  eq(a.account.id, S.alice.id, "account");
  const c = await rest.v1.statuses.create({ status: "another with a new key" }, { requestInit: { headers: { "Idempotency-Key": key + "-2" } } });
  assert(c.id !== a.id, "a new key made the same status");
  return a;
});

S.elkPost = await check("posting (Elk): the composer's exact payload; edit with mediaAttributes", async () => {
  needs(S.alice);
  const m = await rest.v1.media.create({ file: new Blob([png(20, 20, [10, 10, 200])], { type: "image/png" }) });
  await rest.v1.media.$select(m.id).update({ description: "blue" });
  // getDefaultDraftItem + publishDraft: undefined keys drop out of the JSON.
  const payload = {
    status: "Composed in Elk",
    poll: undefined,
    scheduledAt: undefined,
    inReplyToId: undefined,
    quotedStatusId: undefined,
    quoteApprovalPolicy: "public",
    visibility: "public",
    sensitive: false,
    spoilerText: "",
    language: "en",
    mediaIds: [m.id],
  };
  const s = await rest.v1.statuses.create(payload);
  eq(s.spoilerText, "", "spoiler_text");
  eq(s.language, "en", "language");
  eq(s.mediaAttachments[0]?.description, "blue", "description");
  const e = await rest.v1.statuses.$select(s.id).update({
    ...payload,
    status: "Composed in Elk, edited",
    mediaAttributes: [{ id: m.id, description: "dark blue" }],
  });
  assert(e.editedAt, "edited_at");
  eq(e.mediaAttachments[0]?.description, "dark blue", "description after mediaAttributes");
  const withPoll = await rest.v1.statuses.create({
    ...payload,
    mediaIds: [],
    status: "Elk poll",
    poll: { options: ["yes", "no"], expiresIn: 86400, multiple: false, hideTotals: false },
  });
  eq(withPoll.poll?.options.length, 2, "poll options");
  return s;
});

await check("posting (Phanpy): media only, no status key, snake_case params; edit with media_attributes", async () => {
  const m = await rest.v2.media.create({ file: new File([png(16, 16, [0, 120, 120])], "teal.png", { type: "image/png" }), description: "teal" });
  const s = await rest.v1.statuses.create(
    { language: "en", sensitive: false, media_ids: [m.id], visibility: "unlisted" },
    { requestInit: { headers: { "Idempotency-Key": `phanpy-${randomBytes(6).toString("hex")}` } } },
  );
  eq(s.mediaAttachments.length, 1, "media_attachments");
  eq(s.visibility, "unlisted", "visibility");
  eq(s.content, "", "content of a media-only status");
  const e = await rest.v1.statuses.$select(s.id).update({
    status: "now with words",
    language: "en",
    sensitive: true,
    spoiler_text: "cw",
    media_ids: [m.id],
    media_attributes: [{ id: m.id, description: "teal square" }],
  });
  eq(e.spoilerText, "cw", "spoiler_text");
  eq(e.sensitive, true, "sensitive");
  eq(e.mediaAttachments[0]?.description, "teal square", "description");
});

S.poll = await check("posting: a poll (poll[options][], expires_in, multiple)", async () => {
  const s = await rest.v1.statuses.create({
    status: "Which one?",
    poll: { options: ["tea", "coffee", "water"], expiresIn: 3600, multiple: false },
  });
  assert(s.poll, "no poll");
  eq(s.poll.options.length, 3, "options");
  eq(s.poll.options[1].title, "coffee", "option title");
  assert(s.poll.expiresAt, "expires_at");
  const p = await bob.v1.polls.$select(s.poll.id).votes.create({ choices: [1] });
  eq(p.votesCount, 1, "votes_count after bob voted");
  eq(p.ownVotes?.[0], 1, "own_votes");
  return s;
});

S.reply = await check("posting: a reply (in_reply_to_id) and its context", async () => {
  needs(S.post);
  const r = await bob.v1.statuses.create({ status: "@alice nice picture", inReplyToId: S.post.id });
  eq(r.inReplyToId, S.post.id, "in_reply_to_id");
  eq(r.inReplyToAccountId, S.alice.id, "in_reply_to_account_id");
  assert(r.mentions.some((m) => m.id === S.alice.id), "alice is not mentioned");
  const ctx = await rest.v1.statuses.$select(S.post.id).context.fetch();
  assert(ids(ctx.descendants).includes(r.id), "reply not in context.descendants");
  const back = await rest.v1.statuses.$select(r.id).context.fetch();
  assert(ids(back.ancestors).includes(S.post.id), "post not in the reply's ancestors");
  return r;
});

await check("posting: edit ($select(id).update) sets edited_at; history and source", async () => {
  needs(S.post);
  const e = await rest.v1.statuses.$select(S.post.id).update({
    status: "Hello from masto.js, edited #KontorInterop",
    mediaIds: [S.media.id],
  });
  eq(e.id, S.post.id, "id");
  assert(e.editedAt, "edited_at is null");
  assert(e.content.includes("edited"), `content: ${e.content}`);
  const h = await rest.v1.statuses.$select(S.post.id).history.list();
  assert(h.length >= 2, `history has ${h.length} entries`);
  const src = await rest.v1.statuses.$select(S.post.id).source.fetch();
  eq(src.text, "Hello from masto.js, edited #KontorInterop", "source text");
});

await check("posting: delete ($select(id).remove) returns the status with text (delete and redraft)", async () => {
  const s = await rest.v1.statuses.create({ status: "to be deleted" });
  const d = await rest.v1.statuses.$select(s.id).remove();
  eq(d.id, s.id, "id");
  eq(d.text, "to be deleted", "text");
  const gone = await rejects(() => rest.v1.statuses.$select(s.id).fetch());
  assert(gone instanceof MastoHttpError && gone.statusCode === 404, describe(gone));
});

await check("posting: bob favourites, reblogs and bookmarks alice's post", async () => {
  needs(S.post);
  const f = await bob.v1.statuses.$select(S.post.id).favourite();
  eq(f.favourited, true, "favourited");
  eq(f.favouritesCount, 1, "favourites_count");
  const r = await bob.v1.statuses.$select(S.post.id).reblog();
  assert(r.reblog?.id === S.post.id, `reblog: ${JSON.stringify(r.reblog?.id)}`);
  eq(r.reblog.reblogged, true, "reblogged");
  const b = await bob.v1.statuses.$select(S.post.id).bookmark();
  eq(b.bookmarked, true, "bookmarked");
  const bookmarks = await bob.v1.bookmarks.list();
  assert(ids(bookmarks).includes(S.post.id), "not in bookmarks");
  const seen = await rest.v1.statuses.$select(S.post.id).fetch();
  eq(seen.favouritesCount, 1, "favourites_count seen by alice");
  eq(seen.reblogsCount, 1, "reblogs_count seen by alice");
  const by = await rest.v1.statuses.$select(S.post.id).favouritedBy.list();
  assert(ids(by).includes(S.bob.id), "bob not in favourited_by");
});

await check("posting: alice favourites and unfavourites, reblogs and unreblogs her own post", async () => {
  needs(S.post);
  eq((await rest.v1.statuses.$select(S.post.id).favourite()).favourited, true, "favourited");
  eq((await rest.v1.statuses.$select(S.post.id).unfavourite()).favourited, false, "unfavourited");
  eq((await rest.v1.statuses.$select(S.post.id).bookmark()).bookmarked, true, "bookmarked");
  eq((await rest.v1.statuses.$select(S.post.id).unbookmark()).bookmarked, false, "unbookmarked");
});

await check("profile (Elk, Phanpy): updateCredentials PATCH multipart with fieldsAttributes and empty file inputs", async () => {
  // Phanpy's form always carries avatar and header; with no file chosen the
  // browser sends an empty part (filename="", no bytes).
  const empty = new File([], "", { type: "application/octet-stream" });
  const me = await rest.v1.accounts.updateCredentials({
    header: empty,
    avatar: empty,
    displayName: "Alice Interop",
    note: "Testing Kontor with masto.js",
    fieldsAttributes: [
      { name: "Pronouns", value: "she/her" },
      { name: "Web", value: "https://example.com/alice" },
    ],
  });
  eq(me.displayName, "Alice Interop", "display_name");
  eq(me.fields.length, 2, "fields");
  eq(me.fields[0].name, "Pronouns", "fields[0].name");
  eq(me.source?.note, "Testing Kontor with masto.js", "source.note");
  assert(me.avatar && me.header, "avatar/header");
  const withAvatar = await rest.v1.accounts.updateCredentials({ avatar: new File([png(32, 32, [0, 160, 0])], "me.png", { type: "image/png" }) });
  assert(withAvatar.avatar !== me.avatar, "avatar did not change");
  eq(withAvatar.displayName, "Alice Interop", "display_name kept");
});

await check("statuses (Elk): pin, then accounts.$select(id).statuses.list({pinned: true}); excludeReplies", async () => {
  needs(S.post, S.reply);
  eq((await rest.v1.statuses.$select(S.post.id).pin()).pinned, true, "pinned");
  const pinned = await rest.v1.accounts.$select(S.alice.id).statuses.list({ pinned: true });
  eq(ids(pinned).join(), S.post.id, "pinned statuses");
  const bobs = await rest.v1.accounts.$select(S.bob.id).statuses.list({ excludeReplies: true });
  assert(!ids(bobs).includes(S.reply.id), "a reply despite exclude_replies");
  const withReplies = await rest.v1.accounts.$select(S.bob.id).statuses.list();
  assert(ids(withReplies).includes(S.reply.id), "the reply is missing without exclude_replies");
  eq((await rest.v1.statuses.$select(S.post.id).unpin()).pinned, false, "unpinned");
});

await check("statuses (Phanpy, 4.3): v1.statuses.list({id: [...]}) fetches several", async () => {
  needs(S.post, S.reply, S.poll);
  const got = await rest.v1.statuses.list({ id: [S.post.id, S.reply.id, S.poll.id] });
  eq([...ids(got)].sort().join(), [S.post.id, S.reply.id, S.poll.id].sort().join(), "statuses");
});

await check("statuses (Elk): scheduled_at → ScheduledStatus; scheduledStatuses list, update, remove", async () => {
  const at = new Date(Date.now() + 3600e3).toISOString();
  const sch = await rest.v1.statuses.create({ status: "later", scheduledAt: at });
  assert(sch.id && sch.scheduledAt && sch.params?.text === "later", `scheduled: ${JSON.stringify(sch)}`);
  const list = await rest.v1.scheduledStatuses.list();
  assert(ids(list).includes(sch.id), "not listed");
  const later = new Date(Date.now() + 7200e3).toISOString();
  const moved = await rest.v1.scheduledStatuses.$select(sch.id).update({ scheduledAt: later });
  eq(new Date(moved.scheduledAt).getTime(), new Date(later).getTime(), "scheduled_at moved");
  await rest.v1.scheduledStatuses.$select(sch.id).remove();
  const gone = await rejects(() => rest.v1.scheduledStatuses.$select(sch.id).fetch());
  assert(gone instanceof MastoHttpError && gone.statusCode === 404, describe(gone));
});

S.dm = await check("statuses: a direct message reaches bob's conversations; carol cannot see it", async () => {
  needs(S.bob);
  const dm = await rest.v1.statuses.create({ status: "@bob just between us", visibility: "direct" });
  eq(dm.visibility, "direct", "visibility");
  const convs = await bob.v1.conversations.list();
  const conv = convs.find((c) => c.lastStatus?.id === dm.id);
  assert(conv, `no conversation with the DM among ${convs.length}`);
  assert(conv.accounts.some((a) => a.id === S.alice.id), "alice not among the conversation's accounts");
  const hidden = await rejects(() => carol.v1.statuses.$select(dm.id).fetch());
  assert(hidden instanceof MastoHttpError && hidden.statusCode === 404, describe(hidden));
  const priv = await rest.v1.statuses.create({ status: "followers only", visibility: "private", spoilerText: "cw", sensitive: true });
  eq((await bob.v1.statuses.$select(priv.id).fetch()).spoilerText, "cw", "bob (a follower) sees it");
  const p2 = await rejects(() => carol.v1.statuses.$select(priv.id).fetch());
  assert(p2 instanceof MastoHttpError && p2.statusCode === 404, `carol and a private status: ${describe(p2)}`);
  return dm;
});

await check("tags (Elk): v1.tags.$select(name).fetch(), follow → followedTags, unfollow", async () => {
  const t = await rest.v1.tags.$select("kontorinterop").fetch();
  eq(t.name.toLowerCase(), "kontorinterop", "name");
  eq((await rest.v1.tags.$select("kontorinterop").follow()).following, true, "following");
  const followed = await rest.v1.followedTags.list();
  assert(followed.some((x) => x.name.toLowerCase() === "kontorinterop"), "not in followed_tags");
  eq((await rest.v1.tags.$select("kontorinterop").unfollow()).following, false, "unfollowed");
});

await check("accounts (Elk, Phanpy): note, familiarFollowers, accounts.search, lists of an account, featured tags", async () => {
  needs(S.bob);
  const rel = await rest.v1.accounts.$select(S.bob.id).note.create({ comment: "met at the interop test" });
  eq(rel.note, "met at the interop test", "note");
  const fam = await rest.v1.accounts.familiarFollowers.fetch({ id: [S.bob.id] });
  assert(Array.isArray(fam) && fam.length === 1 && fam[0].id === S.bob.id, `familiar_followers: ${JSON.stringify(fam)}`);
  const found = await rest.v1.accounts.search.list({ q: "bo", limit: 5, resolve: false });
  assert(ids(found).includes(S.bob.id), "accounts/search");
  assert(Array.isArray(await rest.v1.accounts.$select(S.bob.id).lists.list()), "accounts/:id/lists");
  assert(Array.isArray(await rest.v1.accounts.$select(S.bob.id).featuredTags.list()), "accounts/:id/featured_tags");
});

// ---- 5b. Streaming events caused by bob

S.bobPost = await check("streaming: bob's post arrives as update on user (ev.stream has 'user') and on public", async () => {
  needs(S.stream);
  const s = await bob.v1.statuses.create({ status: "bob says hi to the stream" });
  const ev = await S.stream.user.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on user");
  assert(ev.stream.includes("user"), `stream: ${JSON.stringify(ev.stream)}`);
  eq(ev.payload.account.id, S.bob.id, "payload.account.id");
  eq(ev.payload.content, s.content, "payload.content");
  const pe = await S.stream.pub.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on public");
  assert(pe.stream.includes("public"), `stream: ${JSON.stringify(pe.stream)}`);
  return s;
});

await check("streaming: favourite, reblog and mention notifications arrive on user", async () => {
  needs(S.stream, S.post, S.reply);
  for (const type of ["favourite", "reblog", "mention"]) {
    const ev = await S.stream.user.waitFor((e) => e.event === "notification" && e.payload.type === type, `${type} notification`);
    eq(ev.payload.account.id, S.bob.id, `${type}: account`);
    assert(ev.payload.status, `${type}: no status`);
  }
});

await check("streaming: bob edits his post → status.update (Elk)", async () => {
  needs(S.stream, S.bobPost);
  await bob.v1.statuses.$select(S.bobPost.id).update({ status: "bob says hi to the stream, edited" });
  const ev = await S.stream.user.waitFor((e) => e.event === "status.update" && e.payload.id === S.bobPost.id, "status.update on user");
  assert(ev.payload.editedAt, "edited_at");
});

await check("streaming: bob deletes his post → delete with the id on user and public", async () => {
  needs(S.stream, S.bobPost);
  await bob.v1.statuses.$select(S.bobPost.id).remove();
  const ev = await S.stream.user.waitFor((e) => e.event === "delete" && e.payload === S.bobPost.id, "delete on user");
  assert(ev.stream.includes("user"), `stream: ${JSON.stringify(ev.stream)}`);
  await S.stream.pub.waitFor((e) => e.event === "delete" && e.payload === S.bobPost.id, "delete on public");
});

await check("streaming: bob's edit of a public post → status.update on public too (Elk's public timeline)", async () => {
  needs(S.stream);
  const s = await bob.v1.statuses.create({ status: "public, soon edited" });
  await S.stream.pub.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on public");
  await bob.v1.statuses.$select(s.id).update({ status: "public, edited" });
  const ev = await S.stream.pub.waitFor((e) => e.event === "status.update" && e.payload.id === s.id, "status.update on public");
  assert(ev.payload.content.includes("edited"), "content");
});

await check("streaming: bob boosts carol's post → update with reblog on user; unboost → delete of the boost", async () => {
  needs(S.stream);
  const c = await carol.v1.statuses.create({ status: "carol, worth a boost" });
  const boost = await bob.v1.statuses.$select(c.id).reblog();
  const ev = await S.stream.user.waitFor((e) => e.event === "update" && e.payload.reblog?.id === c.id, "update with the boost");
  eq(ev.payload.id, boost.id, "boost id");
  await bob.v1.statuses.$select(c.id).unreblog();
  await S.stream.user.waitFor((e) => e.event === "delete" && e.payload === boost.id, "delete of the boost");
});

await check("streaming: alice's own post reaches her own user stream (as in Mastodon's home)", async () => {
  needs(S.stream);
  const s = await rest.v1.statuses.create({ status: "my own words", visibility: "private" });
  await S.stream.user.waitFor((e) => e.event === "update" && e.payload.id === s.id, "own update on user");
  await sleep(200);
  assert(!S.stream.pub.events.some((e) => e.payload?.id === s.id), "a private post on the public stream");
});

await check("streaming (Elk's conversations page): a DM from bob → conversation on direct", async () => {
  needs(S.stream, S.alice);
  const direct = collect(S.stream.st.direct.subscribe());
  await sleep(300);
  const dm = await bob.v1.statuses.create({ status: "@alice psst", visibility: "direct" });
  const ev = await direct.waitFor((e) => e.event === "conversation" && e.payload.lastStatus?.id === dm.id, "conversation on direct");
  assert(ev.stream.includes("direct"), `stream: ${JSON.stringify(ev.stream)}`);
  assert(ev.payload.accounts.some((a) => a.id === S.bob.id), "bob among the accounts");
  await S.stream.notif.waitFor((e) => e.event === "notification" && e.payload.type === "mention" && e.payload.status?.id === dm.id, "mention notification of the DM");
  await sleep(200);
  assert(!S.stream.pub.events.some((e) => e.payload?.id === dm.id), "a DM on the public stream");
});

await check("streaming: carol's post (not followed) is on public, not on user", async () => {
  needs(S.stream);
  const s = await carol.v1.statuses.create({ status: "carol, unfollowed" });
  await S.stream.pub.waitFor((e) => e.event === "update" && e.payload.id === s.id, "carol's update on public");
  await sleep(300);
  assert(!S.stream.user.events.some((e) => e.event === "update" && e.payload.id === s.id), "carol's post reached alice's home stream");
});

await check("streaming: who sees what — unlisted not on public; a muted author not on user; someone else's DM nowhere", async () => {
  needs(S.stream, S.bob, S.carol);
  const unlisted = await bob.v1.statuses.create({ status: "quietly", visibility: "unlisted" });
  await S.stream.user.waitFor((e) => e.event === "update" && e.payload.id === unlisted.id, "bob's unlisted post on user");
  await carol.v1.accounts.$select(S.bob.id).follow();
  const dmCarol = await bob.v1.statuses.create({ status: "@carol for carol only", visibility: "direct" });
  // Markers: events of one author arrive in order, so what did not come
  // before a marker does not come. (The stream decides its audience when
  // it dispatches, as Mastodon's fan-out does: unmute only after that.)
  const mark = await bob.v1.statuses.create({ status: "marker" });
  await S.stream.user.waitFor((e) => e.event === "update" && e.payload.id === mark.id, "the marker on user");
  await S.stream.pub.waitFor((e) => e.event === "update" && e.payload.id === mark.id, "the marker on public");
  // One dispatch decides every viewer of a status: once carol (a follower
  // of bob) has the muted-time post, alice's stream had its chance too.
  const carolStream = createStreamingAPIClient({
    streamingApiUrl: S.instance.configuration.urls.streaming,
    accessToken: CAROL_TOKEN,
    implementation: WebSocket,
    retry: 3,
    log,
  });
  let muted;
  try {
    await carolStream.prepare();
    const carolUser = collect(carolStream.user.subscribe());
    await sleep(300);
    await rest.v1.accounts.$select(S.bob.id).mute();
    muted = await bob.v1.statuses.create({ status: "while muted", visibility: "private" });
    await carolUser.waitFor((e) => e.event === "update" && e.payload.id === muted.id, "the post on carol's user stream");
    await sleep(300);
  } finally {
    await rest.v1.accounts.$select(S.bob.id).unmute();
    carolStream.close();
  }
  const seen = (c, id) => c.events.some((e) => e.payload?.id === id || e.payload?.status?.id === id || e.payload?.lastStatus?.id === id);
  assert(!seen(S.stream.pub, unlisted.id), "an unlisted post on the public stream");
  assert(!seen(S.stream.user, muted.id), "a muted author's post on the user stream");
  assert(!seen(S.stream.user, dmCarol.id) && !seen(S.stream.pub, dmCarol.id) && !seen(S.stream.notif, dmCarol.id), "someone else's DM reached alice");
  await carol.v1.accounts.$select(S.bob.id).unfollow();
});

await check("streaming: a hashtag subscription gets ['hashtag', tag]", async () => {
  needs(S.stream);
  const tag = collect(S.stream.st.hashtag.subscribe({ tag: "kontorstream" }));
  // Elk subscribes with the tag as written in the page's route; masto then
  // keeps only events whose stream carries that exact string, as Mastodon
  // echoes it. (On its own connection: like Mastodon, Kontor keeps one
  // subscription per normalized tag and connection.)
  const other = createStreamingAPIClient({
    streamingApiUrl: S.instance.configuration.urls.streaming,
    accessToken: S.token,
    implementation: WebSocket,
    retry: 3,
    log,
  });
  await other.prepare();
  const mixed = collect(other.hashtag.subscribe({ tag: "KontorStream" }));
  const local = collect(S.stream.st.hashtag.local.subscribe({ tag: "kontorstream" }));
  await sleep(300);
  const s = await bob.v1.statuses.create({ status: "tagged #KontorStream" });
  const ev = await tag.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on hashtag");
  assert(ev.stream.includes("hashtag") && ev.stream.includes("kontorstream"), `stream: ${JSON.stringify(ev.stream)}`);
  const ev2 = await mixed.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on hashtag KontorStream");
  assert(ev2.stream.includes("KontorStream"), `stream: ${JSON.stringify(ev2.stream)}`);
  const ev3 = await local.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on hashtag:local");
  assert(ev3.stream.includes("hashtag:local"), `stream: ${JSON.stringify(ev3.stream)}`);
  other.close();
});

await check("streaming (Elk leaving and re-entering a tag page): unsubscribe stops events; subscribing again resumes", async () => {
  needs(S.stream);
  const first = S.stream.st.hashtag.subscribe({ tag: "resub" });
  const c1 = collect(first);
  await sleep(300);
  const a = await bob.v1.statuses.create({ status: "one #resub" });
  await c1.waitFor((e) => e.event === "update" && e.payload.id === a.id, "update before unsubscribe");
  first.unsubscribe();
  await sleep(300);
  const b = await bob.v1.statuses.create({ status: "two #resub" });
  await sleep(500);
  assert(!c1.events.some((e) => e.payload?.id === b.id), "an event after unsubscribe");
  const c2 = collect(S.stream.st.hashtag.subscribe({ tag: "resub" }));
  await sleep(300);
  const c = await bob.v1.statuses.create({ status: "three #resub" });
  await c2.waitFor((e) => e.event === "update" && e.payload.id === c.id, "update after subscribing again");
});

await check("streaming (Elk): public:local gets local posts with ev.stream ['public:local']", async () => {
  needs(S.stream);
  const local = collect(S.stream.st.public.local.subscribe());
  await sleep(300);
  const s = await bob.v1.statuses.create({ status: "local stream" });
  const ev = await local.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on public:local");
  assert(ev.stream.includes("public:local"), `stream: ${JSON.stringify(ev.stream)}`);
});

S.list = await check("streaming: a list subscription ({list: id}) gets ['list', id]", async () => {
  needs(S.stream, S.bob);
  const list = await rest.v1.lists.create({ title: "Friends", repliesPolicy: "list", exclusive: false });
  await rest.v1.lists.$select(list.id).accounts.create({ accountIds: [S.bob.id] });
  const sub = collect(S.stream.st.list.subscribe({ list: list.id }));
  await sleep(300);
  const s = await bob.v1.statuses.create({ status: "for my list" });
  const ev = await sub.waitFor((e) => e.event === "update" && e.payload.id === s.id, "update on list");
  assert(ev.stream.includes("list") && ev.stream.includes(list.id), `stream: ${JSON.stringify(ev.stream)}`);
  return list;
});

await check("filters (Phanpy): v2.filters.create with keywordsAttributes and expiresIn null; home marks the match; filters_changed", async () => {
  needs(S.stream);
  const f = await rest.v2.filters.create({
    title: "No spoilers",
    context: ["home", "public"],
    expiresIn: null,
    keywordsAttributes: [{ keyword: "spoilerword", wholeWord: true }],
    filterAction: "warn",
  });
  eq(f.title, "No spoilers", "title");
  eq(f.keywords.length, 1, "keywords");
  eq(f.expiresAt, null, "expires_at");
  await S.stream.user.waitFor((e) => e.event === "filters_changed", "filters_changed on user");
  const s = await bob.v1.statuses.create({ status: "the spoilerword is here" });
  const home = await rest.v1.timelines.home.list({ limit: 5 });
  const seen = home.find((x) => x.id === s.id);
  assert(seen, "the status is not on home");
  eq(seen.filtered?.[0]?.filter?.id, f.id, "filtered[0].filter.id");
  const streamed = await S.stream.user.waitFor((e) => e.event === "update" && e.payload.id === s.id, "the warned status on user");
  eq(streamed.payload.filtered?.[0]?.filter?.id, f.id, "streamed payload.filtered[0].filter.id");
  const upd = await rest.v2.filters.$select(f.id).update({
    title: "No spoilers at all",
    context: ["home"],
    expiresIn: null,
    keywordsAttributes: [{ id: f.keywords[0].id, keyword: "spoilerword", wholeWord: false }, { keyword: "plot" }],
    filterAction: "hide",
  });
  eq(upd.keywords.length, 2, "keywords after update");
  eq(upd.filterAction, "hide", "filter_action");
  const hidden = await rest.v1.timelines.home.list({ limit: 5 });
  assert(!ids(hidden).includes(s.id), "a hidden match is still on home");
  await S.stream.user.waitFor((e) => e.event === "filters_changed" && S.stream.user.events.filter((x) => x.event === "filters_changed").length >= 2, "a second filters_changed");
  const h = await bob.v1.statuses.create({ status: "the plot thickens" });
  const after = await bob.v1.statuses.create({ status: "no match here" });
  await S.stream.user.waitFor((e) => e.event === "update" && e.payload.id === after.id, "the unfiltered status after it");
  assert(!S.stream.user.events.some((e) => e.event === "update" && e.payload.id === h.id), "a hidden match reached the user stream");
  await rest.v2.filters.$select(f.id).remove();
  eq((await rest.v2.filters.list()).length, 0, "filters after remove");
});

// ---- 4. Timelines and paging

S.many = await check("timelines: alice posts 12 statuses and bob 3 (for paging)", async () => {
  const out = [];
  for (let i = 1; i <= 12; i++) out.push((await rest.v1.statuses.create({ status: `paging ${i} #kontorpaging` })).id);
  for (let i = 1; i <= 3; i++) out.push((await bob.v1.statuses.create({ status: `bob paging ${i} #kontorpaging` })).id);
  return out;
});

await check("timelines: for await over v1.timelines.home.list({limit: 5}) follows rel=next and stops", async () => {
  needs(S.many);
  const all = (await pages(rest.v1.timelines.home.list({ limit: 40 }))).flat();
  assert(all.length >= 15, `home has ${all.length} statuses`);
  const ps = await pages(rest.v1.timelines.home.list({ limit: 5 }));
  assert(ps.length >= 4, `only ${ps.length} pages`);
  for (const p of ps.slice(0, -1)) assert(p.length <= 5 && p.length > 0, `a page of ${p.length}`);
  eq(ps.at(-1).length, 0, "the last page is empty (then no Link, and masto stops)");
  const walked = ps.flat().map((s) => s.id);
  eq(walked.join(","), ids(all).join(","), "pages joined = one big page");
  strictlyNewestFirst(walked, "home");
  for (const id of S.many) assert(walked.includes(id), `${id} missing from home`);
});

await check("timelines: home with min_id gives the statuses just after it, newest first; since_id the newest", async () => {
  needs(S.many);
  const all = ids(await rest.v1.timelines.home.list({ limit: 40 }));
  const cursor = all[8];
  const min = ids(await rest.v1.timelines.home.list({ minId: cursor, limit: 3 }));
  eq(min.join(","), all.slice(5, 8).join(","), "min_id page");
  const since = ids(await rest.v1.timelines.home.list({ sinceId: cursor, limit: 3 }));
  eq(since.join(","), all.slice(0, 3).join(","), "since_id page");
  const max = ids(await rest.v1.timelines.home.list({ maxId: cursor, limit: 3 }));
  eq(max.join(","), all.slice(9, 12).join(","), "max_id page");
});

await check("timelines: prev direction (Link rel=prev) walks to newer statuses and stops", async () => {
  needs(S.many);
  const all = ids(await rest.v1.timelines.home.list({ limit: 40 }));
  // The first page is the one max_id asks for (all[7], all[8]); rel=prev
  // then walks up through min_id pages to the newest, and stops.
  const ps = await pages(rest.v1.timelines.home.list({ maxId: all[6], limit: 2 }).setDirection("prev"));
  const got = ps.flat().map((s) => s.id);
  eq(ps[0].map((s) => s.id).join(), all.slice(7, 9).join(), "first page");
  eq([...got].sort().join(), all.slice(0, 9).sort().join(), "statuses walked via prev");
  eq(ps.at(-1).length, 0, "the last page is empty");
});

await check("timelines: public (local) and public (all) include alice's and bob's posts", async () => {
  needs(S.many);
  const local = ids(await rest.v1.timelines.public.list({ local: true, limit: 40 }));
  assert(local.includes(S.many[0]) && local.includes(S.many[14]), "posts missing from the local timeline");
  const pub = await pages(anon.v1.timelines.public.list({ limit: 10 }));
  assert(pub.flat().length >= 15, `public walked ${pub.flat().length}`);
  strictlyNewestFirst(ids(pub.flat()), "public");
  const remote = await rest.v1.timelines.public.list({ remote: true });
  eq(remote.length, 0, "remote timeline (no other server)");
});

await check("timelines: tag timeline ($select('kontorpaging')) pages through all 15", async () => {
  needs(S.many);
  const ps = await pages(rest.v1.timelines.tag.$select("kontorpaging").list({ limit: 4 }));
  const got = ps.flat().map((s) => s.id);
  eq(got.length, 15, "tagged statuses");
  strictlyNewestFirst(got, "tag");
  const any = await rest.v1.timelines.tag.$select("kontorpaging").list({ any: ["kontorinterop"], limit: 40 });
  assert(ids(any).includes(S.post?.id), "any[] did not add the other tag");
});

await check("timelines: a list with bob; list timeline shows bob's posts only", async () => {
  needs(S.many, S.bob);
  const list = S.list ?? (await rest.v1.lists.create({ title: "Friends", repliesPolicy: "list" }));
  if (!S.list) await rest.v1.lists.$select(list.id).accounts.create({ accountIds: [S.bob.id] });
  const members = await rest.v1.lists.$select(list.id).accounts.list();
  eq(ids(members).join(), S.bob.id, "list members");
  const lists = await rest.v1.lists.list();
  assert(ids(lists).includes(list.id), "list not in lists");
  const ps = await pages(rest.v1.timelines.list.$select(list.id).list({ limit: 2 }));
  const got = ps.flat();
  assert(got.length >= 3, `list timeline has ${got.length}`);
  assert(got.every((s) => s.account.id === S.bob.id), "a status of someone else in the list timeline");
  for (const id of S.many.slice(12)) assert(ids(got).includes(id), `${id} missing`);
});

// ---- 6b. Notifications

S.notes = await check("notifications: follow, mention, favourite and reblog from bob; paging with limit 2", async () => {
  needs(S.reply);
  const all = await rest.v1.notifications.list({ limit: 40 });
  const types = new Set(all.filter((n) => n.account.id === S.bob.id).map((n) => n.type));
  for (const t of ["follow", "mention", "favourite", "reblog"]) assert(types.has(t), `no ${t} notification (have ${[...types]})`);
  assert(all.some((n) => n.type === "mention" && n.status?.id === S.reply.id), "no mention of bob's reply");
  const ps = await pages(rest.v1.notifications.list({ limit: 2 }));
  eq(ps.flat().map((n) => n.id).join(), ids(all).join(), "paged notifications");
  strictlyNewestFirst(ids(all), "notifications");
  return all;
});

await check("notifications: types[] and exclude_types[] are kept across pages", async () => {
  needs(S.notes);
  const ps = await pages(rest.v1.notifications.list({ types: ["favourite", "reblog", "follow"], limit: 1 }));
  const got = ps.flat();
  eq(got.length, 3, "favourite+reblog+follow");
  assert(got.every((n) => ["favourite", "reblog", "follow"].includes(n.type)), `types: ${got.map((n) => n.type)}`);
  const ex = await pages(rest.v1.notifications.list({ excludeTypes: ["mention", "poll"], limit: 2 }));
  assert(ex.flat().every((n) => n.type !== "mention"), "a mention despite exclude_types[]");
  const one = await rest.v1.notifications.$select(S.notes[0].id).fetch();
  eq(one.id, S.notes[0].id, "GET /notifications/:id");
});

await check("notifications (Elk): page with limit 30 until the marker's last_read_id; with '0' to the end", async () => {
  needs(S.notes);
  // Elk's useNotifications: markers.fetch, then notifications.list({limit: 30}).values()
  // until it meets position.notifications.lastReadId or an empty page.
  async function unread(limit) {
    const position = await rest.v1.markers.fetch({ timeline: ["notifications"] });
    const values = rest.v1.notifications.list({ limit }).values();
    const out = [];
    for (let n = 0; n < 50; n++) {
      const r = await values.next();
      if (r.done || !r.value.length) return out;
      for (const x of r.value) {
        if (x.id === position.notifications.lastReadId) return out;
        out.push(x.id);
      }
    }
    throw new Error("did not stop");
  }
  eq((await unread(30)).length, S.notes.length, "unread with no marker");
  await rest.v1.markers.create({ notifications: { lastReadId: S.notes[2].id } });
  eq((await unread(2)).join(), ids(S.notes.slice(0, 2)).join(), "unread above the marker");
});

await check("markers: v1.markers.create({notifications: {lastReadId}}), then fetch", async () => {
  needs(S.notes);
  const newest = S.notes[0].id;
  const m = await rest.v1.markers.create({ notifications: { lastReadId: newest }, home: { lastReadId: S.many?.[0] ?? "0" } });
  eq(m.notifications?.lastReadId, newest, "created notifications marker");
  const back = await rest.v1.markers.fetch({ timeline: ["home", "notifications"] });
  eq(back.notifications.lastReadId, newest, "notifications marker");
  eq(back.home?.lastReadId, S.many?.[0] ?? "0", "home marker");
  // Mastodon's version is the row's lock_version: 0 when created, +1 per update.
  const v = back.notifications.version;
  const again = await rest.v1.markers.create({ notifications: { lastReadId: S.notes.at(-1).id } });
  eq(again.notifications.version, v + 1, "version after an update");
  eq(again.notifications.lastReadId, S.notes.at(-1).id, "updated marker");
});

await check("paging: favourites, bookmarks and followers with limit 1 follow Link to the end", async () => {
  needs(S.many, S.bob);
  for (const id of S.many.slice(0, 3)) {
    await bob.v1.statuses.$select(id).favourite();
    await bob.v1.statuses.$select(id).bookmark();
  }
  const favs = (await pages(bob.v1.favourites.list({ limit: 1 }))).flat();
  for (const id of S.many.slice(0, 3)) assert(ids(favs).includes(id), `favourite ${id} missing`);
  eq(new Set(ids(favs)).size, favs.length, "favourites repeated");
  // Most recently favourited first (Mastodon orders by the favourite, not the status).
  eq(favs[0].id, S.many[2], "newest favourite first");
  const marks = (await pages(bob.v1.bookmarks.list({ limit: 1 }))).flat();
  for (const id of S.many.slice(0, 3)) assert(ids(marks).includes(id), `bookmark ${id} missing`);
  await carol.v1.accounts.$select(S.alice.id).follow();
  const followers = (await pages(rest.v1.accounts.$select(S.alice.id).followers.list({ limit: 1 }))).flat();
  eq([...ids(followers)].sort().join(), [S.bob.id, S.carol.id].sort().join(), "followers");
  const reblogged = await rest.v1.statuses.$select(S.post.id).rebloggedBy.list();
  assert(ids(reblogged).includes(S.bob.id), "reblogged_by");
});

await check("follow requests (Phanpy): a locked account; followRequests list, authorize; follow_request notification", async () => {
  needs(S.bob);
  const dave = carol; // carol locks her account
  await dave.v1.accounts.updateCredentials({ locked: true });
  const rel = await rest.v1.accounts.$select(S.carol.id).follow();
  eq(rel.requested, true, "requested");
  eq(rel.following, false, "following");
  const reqs = await dave.v1.followRequests.list({ limit: 1 });
  eq(ids(reqs).join(), S.alice.id, "follow requests");
  const n = await dave.v1.notifications.list({ types: ["follow_request"] });
  assert(n.some((x) => x.account.id === S.alice.id), "no follow_request notification");
  const ok = await dave.v1.followRequests.$select(S.alice.id).authorize();
  eq(ok.followedBy, true, "followed_by after authorize");
  const after = await rest.v1.accounts.relationships.fetch({ id: [S.carol.id] });
  eq(after[0].following, true, "alice follows carol");
  await dave.v1.accounts.updateCredentials({ locked: false });
});

await check("moderation (Elk, Phanpy): mute with duration, block, their lists, unmute, unblock", async () => {
  needs(S.carol);
  const m = await rest.v1.accounts.$select(S.carol.id).mute({ notifications: true, duration: 3600 });
  eq(m.muting, true, "muting");
  assert(m.mutingExpiresAt, "muting_expires_at");
  assert(ids(await rest.v1.mutes.list()).includes(S.carol.id), "mutes");
  eq((await rest.v1.accounts.$select(S.carol.id).unmute()).muting, false, "unmuted");
  const b = await rest.v1.accounts.$select(S.carol.id).block();
  eq(b.blocking, true, "blocking");
  eq(b.following, false, "a block ends the follow");
  assert(ids(await rest.v1.blocks.list()).includes(S.carol.id), "blocks");
  eq((await rest.v1.accounts.$select(S.carol.id).unblock()).blocking, false, "unblocked");
  // Elk toggles a domain block with a JSON body, on DELETE too.
  await rest.v1.domainBlocks.create({ domain: "spam.example" });
  eq((await rest.v1.domainBlocks.list()).join(), "spam.example", "domain_blocks after create");
  await rest.v1.domainBlocks.remove({ domain: "spam.example" });
  eq((await rest.v1.domainBlocks.list()).length, 0, "domain_blocks after remove (DELETE with a JSON body)");
});

await check("reports (Elk's and Phanpy's report dialog): v1.reports.create", async () => {
  needs(S.carol);
  const c = await carol.v1.statuses.create({ status: "reportable" });
  const r = await rest.v1.reports.create({ accountId: S.carol.id, statusIds: [c.id], comment: "test report", category: "other", forward: false });
  assert(r.id && r.targetAccount?.id === S.carol.id && r.statusIds?.[0] === c.id, `report: ${JSON.stringify(r)}`);
});

await check("notifications: $select(id).dismiss() and clear() answer {}", async () => {
  needs(S.notes);
  await rest.v1.notifications.$select(S.notes.at(-1).id).dismiss();
  const gone = await rejects(() => rest.v1.notifications.$select(S.notes.at(-1).id).fetch());
  assert(gone instanceof MastoHttpError && gone.statusCode === 404, describe(gone));
  await bob.v1.notifications.clear();
  eq((await bob.v1.notifications.list()).length, 0, "bob's notifications after clear");
});

await check("conversations (Elk): $select(id).read() and remove(); polls.$select(id).fetch()", async () => {
  needs(S.dm, S.poll);
  const convs = await bob.v1.conversations.list();
  const conv = convs.find((c) => c.lastStatus?.id === S.dm.id);
  assert(conv, "no conversation");
  const read = await bob.v1.conversations.$select(conv.id).read();
  eq(read.unread, false, "unread after read");
  await bob.v1.conversations.$select(conv.id).remove();
  assert(!ids(await bob.v1.conversations.list()).includes(conv.id), "conversation still listed");
  const p = await rest.v1.polls.$select(S.poll.poll.id).fetch();
  eq(p.votesCount, 1, "votes_count");
});

await check("lists: update (title, exclusive) and remove", async () => {
  const l = await rest.v1.lists.create({ title: "Temporary" });
  const u = await rest.v1.lists.$select(l.id).update({ title: "Renamed", repliesPolicy: "followed", exclusive: true });
  eq(u.title, "Renamed", "title");
  eq(u.exclusive, true, "exclusive");
  // Phanpy removes members with DELETE and a JSON body {"account_ids": [...]}.
  needs(S.bob);
  await rest.v1.lists.$select(l.id).accounts.create({ accountIds: [S.bob.id] });
  await rest.v1.lists.$select(l.id).accounts.remove({ accountIds: [S.bob.id] });
  eq((await rest.v1.lists.$select(l.id).accounts.list()).length, 0, "members after DELETE with a JSON body");
  await rest.v1.lists.$select(l.id).remove();
  const gone = await rejects(() => rest.v1.lists.$select(l.id).fetch());
  assert(gone instanceof MastoHttpError && gone.statusCode === 404, describe(gone));
});

await check("paging: every list walks with limit 1 to the same items as one big page, and stops", async () => {
  needs(S.bob, S.carol, S.many);
  // Set up two of everything.
  await rest.v1.accounts.$select(S.bob.id).mute({ notifications: false });
  await rest.v1.accounts.$select(S.carol.id).mute();
  // alice's block of carol in "moderation" ended both follows; bob removed a conversation.
  await rest.v1.accounts.$select(S.carol.id).follow();
  await carol.v1.accounts.$select(S.alice.id).follow();
  await bob.v1.statuses.create({ status: "@carol hello", visibility: "direct" });
  const l = await rest.v1.lists.create({ title: "Paging" });
  await rest.v1.lists.$select(l.id).accounts.create({ accountIds: [S.bob.id, S.carol.id] });
  await rest.v1.tags.$select("pagingone").follow();
  await rest.v1.tags.$select("pagingtwo").follow();
  const at = (h) => new Date(Date.now() + h * 3600e3).toISOString();
  const sch1 = await rest.v1.statuses.create({ status: "s1", scheduledAt: at(5) });
  const sch2 = await rest.v1.statuses.create({ status: "s2", scheduledAt: at(6) });
  const walks = {
    "accounts/:id/statuses": (p) => rest.v1.accounts.$select(S.alice.id).statuses.list(p),
    "accounts/:id/followers": (p) => rest.v1.accounts.$select(S.alice.id).followers.list(p),
    "accounts/:id/following": (p) => rest.v1.accounts.$select(S.alice.id).following.list(p),
    mutes: (p) => rest.v1.mutes.list(p),
    "lists/:id/accounts": (p) => rest.v1.lists.$select(l.id).accounts.list(p),
    followed_tags: (p) => rest.v1.followedTags.list(p),
    scheduled_statuses: (p) => rest.v1.scheduledStatuses.list(p),
    conversations: (p) => bob.v1.conversations.list(p),
    favourites: (p) => bob.v1.favourites.list(p),
    bookmarks: (p) => bob.v1.bookmarks.list(p),
    "timelines/public?local": (p) => rest.v1.timelines.public.list({ ...p, local: true }),
    notifications: (p) => rest.v1.notifications.list(p),
  };
  const problems = [];
  for (const [name, list] of Object.entries(walks)) {
    const key = (x) => x.id ?? x.name;
    const big = (await list({ limit: 40 })).map(key);
    let walked;
    try {
      walked = (await pages(list({ limit: name === "accounts/:id/statuses" || name.startsWith("timelines") ? 7 : 1 }), 80)).flat().map(key);
    } catch (err) {
      problems.push(`${name}: ${err.message}`);
      continue;
    }
    if (big.length < 2) problems.push(`${name}: only ${big.length} items to walk`);
    if (walked.join() !== big.join()) problems.push(`${name}: walked ${walked.length} [${walked.slice(0, 4)}…], one page ${big.length} [${big.slice(0, 4)}…]`);
  }
  await rest.v1.accounts.$select(S.bob.id).unmute();
  await rest.v1.accounts.$select(S.carol.id).unmute();
  await rest.v1.lists.$select(l.id).remove();
  await rest.v1.tags.$select("pagingone").unfollow();
  await rest.v1.tags.$select("pagingtwo").unfollow();
  await rest.v1.scheduledStatuses.$select(sch1.id).remove();
  await rest.v1.scheduledStatuses.$select(sch2.id).remove();
  assert(problems.length === 0, problems.join("; "));
});

// ---- 6c. Search

await check("search: v2.search.list({q: 'bob', type: 'accounts'})", async () => {
  needs(S.bob);
  const r = await rest.v2.search.list({ q: "bob", type: "accounts" });
  assert(ids(r.accounts).includes(S.bob.id), `accounts: ${ids(r.accounts)}`);
  eq(r.statuses.length, 0, "statuses with type=accounts");
  const full = await rest.v2.search.list({ q: "@bob", resolve: true, limit: 5 });
  assert(ids(full.accounts).includes(S.bob.id), "@bob");
});

await check("search: v2.search.list({q, type: 'statuses'}) finds alice's post", async () => {
  needs(S.post);
  const r = await rest.v2.search.list({ q: "masto.js edited", type: "statuses" });
  assert(ids(r.statuses).includes(S.post.id), `statuses: ${ids(r.statuses)}`);
  const h = await rest.v2.search.list({ q: "#kontorinterop", type: "hashtags" });
  assert(h.hashtags.some((t) => t.name.toLowerCase() === "kontorinterop"), `hashtags: ${JSON.stringify(h.hashtags)}`);
});

// ---- Entities: every field the apps read is there (masto camelCases keys)

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function shape(obj, fields, what) {
  assert(obj && typeof obj === "object", `${what}: ${JSON.stringify(obj)}`);
  const missing = fields.filter((f) => !(f in obj));
  assert(missing.length === 0, `${what} lacks ${missing.join(", ")}`);
  if ("id" in obj) assert(typeof obj.id === "string", `${what}.id is not a string`);
  if ("createdAt" in obj) assert(TIME.test(obj.createdAt), `${what}.created_at ${obj.createdAt}`);
}

const ACCOUNT = ["id", "username", "acct", "url", "uri", "displayName", "note", "avatar", "avatarStatic", "header", "headerStatic",
  "locked", "fields", "emojis", "bot", "group", "discoverable", "createdAt", "lastStatusAt", "statusesCount", "followersCount", "followingCount"];
const STATUS = ["id", "uri", "url", "createdAt", "account", "content", "visibility", "sensitive", "spoilerText", "mediaAttachments",
  "mentions", "tags", "emojis", "reblogsCount", "favouritesCount", "repliesCount", "inReplyToId", "inReplyToAccountId", "reblog",
  "poll", "card", "language", "editedAt", "favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"];

await check("entities: Status, Account, CredentialAccount, Attachment, Poll, Notification, Relationship, Tag, List, Marker shapes", async () => {
  needs(S.post, S.poll, S.bob);
  const st = await rest.v1.statuses.$select(S.post.id).fetch();
  shape(st, STATUS, "Status");
  shape(st.account, ACCOUNT, "Status.account");
  assert(st.account.lastStatusAt === null || /^\d{4}-\d\d-\d\d$/.test(st.account.lastStatusAt), `last_status_at ${st.account.lastStatusAt}`);
  shape(st.mediaAttachments[0], ["id", "type", "url", "previewUrl", "remoteUrl", "meta", "description", "blurhash"], "MediaAttachment");
  shape(st.tags[0], ["name", "url"], "Status.tags[0]");
  const me = await rest.v1.accounts.verifyCredentials();
  shape(me, [...ACCOUNT, "source", "role"], "CredentialAccount");
  shape(me.source, ["privacy", "sensitive", "language", "note", "fields", "followRequestsCount"], "CredentialAccount.source");
  const poll = (await rest.v1.statuses.$select(S.poll.id).fetch()).poll;
  shape(poll, ["id", "expiresAt", "expired", "multiple", "votesCount", "votersCount", "options", "emojis", "voted", "ownVotes"], "Poll");
  shape(poll.options[0], ["title", "votesCount"], "Poll.options[0]");
  const n = (await rest.v1.notifications.list({ limit: 1 }))[0];
  shape(n, ["id", "type", "createdAt", "account"], "Notification");
  const rel = (await rest.v1.accounts.relationships.fetch({ id: [S.bob.id] }))[0];
  shape(rel, ["id", "following", "showingReblogs", "notifying", "followedBy", "blocking", "blockedBy", "muting", "mutingNotifications",
    "requested", "requestedBy", "domainBlocking", "endorsed", "note"], "Relationship");
  shape(await rest.v1.tags.$select("kontorpaging").fetch(), ["name", "url", "history", "following"], "Tag");
  const list = (await rest.v1.lists.list())[0];
  if (list) shape(list, ["id", "title", "repliesPolicy", "exclusive"], "List");
  shape((await rest.v1.markers.fetch({ timeline: ["notifications"] })).notifications, ["lastReadId", "version", "updatedAt"], "Marker");
  const app = await rest.v1.apps.verifyCredentials();
  shape(app, ["name", "website", "scopes", "redirectUris"], "Application");
  shape(n, ["groupKey"], "Notification");
  shape(st.account, ["indexable", "hideCollections", "roles"], "Account (4.x)");
});

await check("entities: Instance v2 and v1, Conversation, ScheduledStatus, Filter, Context, Search", async () => {
  needs(S.post);
  const i = await rest.v2.instance.fetch();
  shape(i, ["domain", "title", "version", "sourceUrl", "description", "usage", "thumbnail", "icon", "languages", "configuration",
    "registrations", "apiVersions", "contact", "rules"], "Instance v2");
  shape(i.configuration, ["urls", "vapid", "accounts", "statuses", "mediaAttachments", "polls", "translation"], "Instance v2 configuration");
  shape(i.configuration.statuses, ["maxCharacters", "maxMediaAttachments", "charactersReservedPerUrl"], "configuration.statuses");
  shape(i.configuration.mediaAttachments, ["supportedMimeTypes", "imageSizeLimit", "imageMatrixLimit", "videoSizeLimit",
    "videoFrameRateLimit", "videoMatrixLimit"], "configuration.media_attachments");
  shape(i.configuration.polls, ["maxOptions", "maxCharactersPerOption", "minExpiration", "maxExpiration"], "configuration.polls");
  shape(i.registrations, ["enabled", "approvalRequired"], "registrations");
  shape(i.usage?.users, ["activeMonth"], "usage.users");
  const v1 = await rest.v1.instance.fetch();
  shape(v1, ["uri", "title", "shortDescription", "description", "email", "version", "urls", "stats", "thumbnail", "languages",
    "registrations", "approvalRequired", "invitesEnabled", "configuration", "contactAccount", "rules"], "Instance v1");
  shape(v1.stats, ["userCount", "statusCount", "domainCount"], "Instance v1 stats");
  const ctx = await rest.v1.statuses.$select(S.post.id).context.fetch();
  shape(ctx, ["ancestors", "descendants"], "Context");
  const sr = await rest.v2.search.list({ q: "alice" });
  shape(sr, ["accounts", "statuses", "hashtags"], "Search");
  const conv = (await rest.v1.conversations.list())[0];
  if (conv) shape(conv, ["id", "unread", "accounts", "lastStatus"], "Conversation");
  const f = await rest.v2.filters.create({ title: "shape", context: ["thread"], keywordsAttributes: [{ keyword: "zzzq" }] });
  shape(f, ["id", "title", "context", "expiresAt", "filterAction", "keywords", "statuses"], "Filter");
  shape(f.keywords[0], ["id", "keyword", "wholeWord"], "FilterKeyword");
  await rest.v2.filters.$select(f.id).remove();
  const sch = await rest.v1.statuses.create({ status: "shape", scheduledAt: new Date(Date.now() + 86400e3).toISOString() });
  shape(sch, ["id", "scheduledAt", "params", "mediaAttachments"], "ScheduledStatus");
  await rest.v1.scheduledStatuses.$select(sch.id).remove();
});

// ---- 7. Errors as MastoHttpError with Kontor's message

await check("errors: over the character limit → MastoHttpError 422 with Kontor's message", async () => {
  needs(S.instance);
  const max = S.instance.configuration.statuses.maxCharacters;
  const err = await rejects(() => rest.v1.statuses.create({ status: "x".repeat(max + 1) }));
  assert(err instanceof MastoHttpError, describe(err));
  eq(err.statusCode, 422, "status");
  assert(typeof err.message === "string" && err.message.length > 0 && err.message !== "undefined", `message: ${err.message}`);
  assert(/character|long|limit|text/i.test(err.message), `message: ${err.message}`);
});

await check("errors: an unknown status → MastoHttpError 404 'Record not found'", async () => {
  const err = await rejects(() => rest.v1.statuses.$select("999999999999999").fetch());
  assert(err instanceof MastoHttpError, describe(err));
  eq(err.statusCode, 404, "status");
  eq(err.message, "Record not found", "message");
  const acct = await rejects(() => rest.v1.accounts.$select("999999999999999").fetch());
  assert(acct instanceof MastoHttpError && acct.statusCode === 404, describe(acct));
});

await check("errors: uploads the server refuses (not media; over image_size_limit; over the request cap) are MastoHttpErrors with a message", async () => {
  needs(S.instance);
  const text = await rejects(() => rest.v2.media.create({ file: new File(["just text"], "notes.txt", { type: "text/plain" }) }));
  assert(text instanceof MastoHttpError && text.statusCode === 422, `a text file: ${describe(text)}`);
  assert(text.message && text.message !== "undefined", `message: ${text.message}`);
  const limit = S.instance.configuration.mediaAttachments.imageSizeLimit;
  const big = Buffer.concat([png(8, 8, [1, 2, 3]), Buffer.alloc(limit + 1024)]);
  const tooBig = await rejects(() => rest.v2.media.create({ file: new File([big], "big.png", { type: "image/png" }) }));
  assert(tooBig instanceof MastoHttpError && [413, 422].includes(tooBig.statusCode), `over image_size_limit: ${describe(tooBig)}`);
  assert(tooBig.message && tooBig.message !== "undefined", `message: ${tooBig.message}`);
  const huge = Buffer.alloc(64 << 20);
  const tooHuge = await rejects(() => rest.v1.media.create({ file: new File([huge], "huge.png", { type: "image/png" }) }));
  assert(tooHuge instanceof MastoHttpError && tooHuge.statusCode === 413, `over the request cap: ${describe(tooHuge)}`);
});

await check("errors: no token → MastoHttpError 401 with a message", async () => {
  const err = await rejects(() => anon.v1.accounts.verifyCredentials());
  assert(err instanceof MastoHttpError && err.statusCode === 401, describe(err));
  assert(err.message && err.message !== "undefined", `message: ${err.message}`);
});

await check("errors: a bad token.create → MastoHttpError with the OAuth error and description", async () => {
  needs(S.app);
  const err = await rejects(() =>
    oauth.token.create({ grantType: "authorization_code", clientId: S.app.client_id, clientSecret: S.app.client_secret, redirectUri: REDIRECT_URI, code: "nope" }),
  );
  assert(err instanceof MastoHttpError && err.statusCode === 400, describe(err));
  eq(err.message, "invalid_grant", "error");
  assert(err.description, "error_description");
});

// ---- done

S.stream?.st.close();
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed ? 1 : 0);
