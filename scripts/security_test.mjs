// The attacker's paths of the security review (README, "Reliability and security"),
// walked against release servers on loopback, one line per path. Run by
// scripts/security-test, which checks that the release build exists.
//
// Server A trusts a proxy on this machine (MIZAN_BEHIND_PROXY), signs in with a fake
// OAuth provider and mails through a fake SMTP server; each path claims its own client
// address in X-Forwarded-For, so their limits do not meet. Server B requires verified
// addresses and trusts no proxy on loopback.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const SERVER = "target/release/server";
const PASSWORD = "a long enough password";
const FORM = "application/x-www-form-urlencoded";
const started = [];

/** Resolves once `check` answers true, within `ms`, or fails naming `what`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A listening HTTP or TCP server on a free loopback port: its port. */
async function listen(server) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  started.push(server);
  return server.address().port;
}

/** An OAuth provider that signs in whoever `provider.person` is. */
async function fakeProvider() {
  const provider = { person: null, codes: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://provider");
    if (url.pathname === "/authorize") {
      const back = new URL(url.searchParams.get("redirect_uri"));
      back.searchParams.set("code", `code-${provider.codes++}`);
      back.searchParams.set("state", url.searchParams.get("state"));
      res.writeHead(302, { location: back.toString() }).end();
    } else if (url.pathname === "/token") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "token", token_type: "bearer" }));
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(provider.person));
    }
  });
  provider.url = `http://127.0.0.1:${await listen(server)}`;
  return provider;
}

/** An SMTP server that refuses every message until `accepting`, and keeps the rest. */
async function fakeSmtp(accepting) {
  const smtp = { accepting, refusals: 0, received: [] };
  const server = net.createServer((socket) => {
    let data = null;
    let buffer = "";
    socket.write("220 test.local ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            smtp.received.push(data);
            data = null;
            socket.write("250 queued\r\n");
          } else data += `${line}\n`;
          continue;
        }
        const verb = line.split(" ")[0].toUpperCase();
        if (verb === "MAIL" && !smtp.accepting) {
          smtp.refusals++;
          socket.write("451 4.3.0 try again later\r\n");
        } else if (verb === "DATA") {
          data = "";
          socket.write("354 go on\r\n");
        } else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 OK\r\n");
      }
    });
    socket.on("error", () => {});
  });
  smtp.url = `smtp://127.0.0.1:${await listen(server)}`;
  return smtp;
}

/** A release server with `vars`: its address and a way to run its commands. */
async function startServer(vars) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), "mizan-security-"));
  const env = {
    ...process.env,
    MIZAN_DATA_DIR: data,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: "target/site",
    MIZAN_JOB_POLL_MS: "50",
    RUST_LOG: "warn",
    ...vars,
  };
  const child = spawn(SERVER, [], { env, stdio: ["ignore", "inherit", "inherit"] });
  child.on("exit", () => rmSync(data, { recursive: true, force: true }));
  started.push({ close: () => child.kill("SIGTERM") });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200, 60_000, "the server is ready");
  const command = async (...args) => (await promisify(execFile)(SERVER, args, { env })).stdout;
  return { url, port, command };
}

/** One visitor: its session cookie and the address it claims to come from. */
class Visitor {
  constructor(server, forwardedFor = null) {
    this.server = server;
    this.forwardedFor = forwardedFor;
    this.cookie = null;
  }

  headers(extra = {}) {
    const headers = { ...extra };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.forwardedFor) headers["x-forwarded-for"] = this.forwardedFor;
    return headers;
  }

  keep(answer) {
    const set = answer.headers.getSetCookie().find((c) => c.startsWith("mizan_session="));
    if (set) this.cookie = set.split(";")[0];
    return answer;
  }

  async get(url) {
    return this.keep(await fetch(url, { headers: this.headers(), redirect: "manual" }));
  }

  /** Calls `/api/<name>` with `args`: the status and the JSON body. */
  async call(name, args = {}) {
    const answer = this.keep(
      await fetch(`${this.server.url}/api/${name}`, {
        method: "POST",
        headers: this.headers({ "content-type": FORM }),
        body: new URLSearchParams(args).toString(),
      }),
    );
    return { status: answer.status, body: await answer.json().catch(() => null) };
  }

  async signUp(email) {
    const { status } = await this.call("signup.submit", { email, password: PASSWORD, name: "Someone" });
    assert.equal(status, 200, `sign-up of ${email}`);
  }

  async logIn(email, password = PASSWORD) {
    return (await this.call("login.submit", { email, password })).status;
  }

  /** Signs in (or connects, with `connect`) through the fake provider. */
  async throughProvider(connect = false) {
    const start = await this.get(`${this.server.url}/auth/fake/start${connect ? "?connect=true" : ""}`);
    assert.equal(start.status, 303);
    const atProvider = await fetch(start.headers.get("location"), { redirect: "manual" });
    return this.get(atProvider.headers.get("location"));
  }
}

/** A WebSocket to `/ws/chat?room=lobby` as `visitor`: the handshake's status, and a
 *  promise of its close (by a close frame or the socket ending). */
function openChat(visitor) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(visitor.server.port, "127.0.0.1");
    const headers = visitor.headers({ origin: visitor.server.url });
    let head = "";
    let closed;
    const whenClosed = new Promise((done) => (closed = done));
    socket.on("connect", () => {
      const lines = [
        "GET /ws/chat?room=lobby HTTP/1.1",
        `Host: 127.0.0.1:${visitor.server.port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    socket.on("data", (chunk) => {
      if (head !== null) {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = Number(head.split(" ")[1]);
        const rest = Buffer.from(head.slice(end + 4), "latin1");
        head = null;
        resolve({ status, closed: whenClosed, socket });
        if (rest.length && (rest[0] & 0x0f) === 0x8) closed(true);
        return;
      }
      if ((chunk[0] & 0x0f) === 0x8) closed(true);
    });
    socket.on("close", () => closed(true));
    socket.on("error", reject);
  });
}

/** Whether `promise` settles within `ms`. */
function within(promise, ms) {
  return Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);
}

function closed(path, what) {
  console.log(`security: path ${path}: ${what}: closed`);
}

const provider = await fakeProvider();
const smtp = await fakeSmtp(true);
const a = await startServer({
  MIZAN_BEHIND_PROXY: "true",
  SMTP_URL: smtp.url,
  MIZAN_JOB_BACKOFF_MS: "100",
  OAUTH_PROVIDERS: "fake",
  OAUTH_FAKE_CLIENT_ID: "client",
  OAUTH_FAKE_CLIENT_SECRET: "secret",
  OAUTH_FAKE_AUTHORIZE_URL: `${provider.url}/authorize`,
  OAUTH_FAKE_TOKEN_URL: `${provider.url}/token`,
  OAUTH_FAKE_USERINFO_URL: `${provider.url}/userinfo`,
});
const b = await startServer({ MIZAN_REQUIRE_VERIFIED_EMAIL: "true", MIZAN_TRUSTED_PROXIES: "192.0.2.1/32" });

try {
  // 1. The squatter cannot link a provider, and the owner's return takes everything back.
  {
    const squatter = new Visitor(a, "203.0.113.1");
    await squatter.signUp("owner@example.com");
    provider.person = { sub: "p-evil", email: "evil@example.net", email_verified: true, name: "Evil" };
    assert.equal((await squatter.throughProvider(true)).status, 403, "linking to an unproven address");
    provider.person = { sub: "p-owner", email: "owner@example.com", email_verified: true, name: "Owner" };
    const owner = new Visitor(a, "198.51.100.1");
    assert.equal((await owner.throughProvider()).status, 303);
    assert.equal((await owner.call("account_summary")).body.email, "owner@example.com");
    assert.equal((await squatter.call("account_summary")).status, 401, "the squatter's session ended");
    assert.equal(await new Visitor(a, "203.0.113.1").logIn("owner@example.com"), 422, "and their password");
    closed(1, "pre-registration takeover (provider linked to an unproven address, squatter's session and password)");
  }

  // 2. Verification required: a sign-up signs in nowhere.
  {
    const ada = new Visitor(b);
    const { status, body } = await ada.call("signup.submit", { email: "ada@example.com", password: PASSWORD, name: "Ada" });
    assert.deepEqual([status, body], [200, null]);
    assert.equal((await ada.call("account_summary")).status, 401);
    closed(2, "MIZAN_REQUIRE_VERIFIED_EMAIL enforced where the user is resolved");
  }

  // 3. Sign-up checks are counted, and with verification required they say nothing.
  {
    await new Visitor(a, "203.0.113.3").signUp("known@example.com");
    const prober = new Visitor(a, "203.0.113.33");
    let last;
    for (let i = 0; i <= 120; i++) {
      last = await prober.call("signup.validate", { email: "known@example.com", password: PASSWORD, name: "P" });
    }
    assert.equal(last.status, 429, "the 121st check in an hour");
    const taken = await new Visitor(b).call("signup.validate", { email: "ada@example.com", password: PASSWORD, name: "P" });
    const fresh = await new Visitor(b).call("signup.validate", { email: "new@example.com", password: PASSWORD, name: "P" });
    assert.deepEqual(taken, fresh);
    closed(3, "account enumeration through sign-up");
  }

  // 4. The client is who the trusted proxies say, never skipped, IPv6 per /64.
  {
    const resets = async (server, forwardedFor) => {
      let status;
      for (let i = 0; i <= 20; i++) {
        const visitor = new Visitor(server, forwardedFor(i));
        ({ status } = await visitor.call("forgot_password.submit", { email: `someone${i}@example.com` }));
      }
      return status;
    };
    assert.equal(await resets(a, () => null), 429, "no X-Forwarded-For from the proxy");
    assert.equal(await resets(a, (i) => `2001:db8:4:4::${i + 1}`), 429, "one /64");
    assert.equal(await resets(b, (i) => `203.0.113.${i}`), 429, "a peer that is not a trusted proxy");
    closed(4, "client address from anyone's X-Forwarded-For");
  }

  // 5. Needs a function the showcase does not have: a cached public one that reads its
  // caller. The framework's fixture walks it.
  console.log(
    "security: path 5: a cached public function that reads its caller: not walked here " +
      "(the showcase has none); `cargo test --workspace --test fixture` walks it",
  );

  // 6. A verification mail refused by SMTP, then every link voided: nothing minted.
  {
    smtp.accepting = false;
    const refusalsBefore = smtp.refusals;
    const ada = new Visitor(a, "203.0.113.6");
    await ada.signUp("ada6@example.com");
    await until(() => smtp.refusals > refusalsBefore, 10_000, "the mail is refused");
    const change = await ada.call("change_password.submit", { current_password: PASSWORD, new_password: "another long password" });
    assert.equal(change.status, 200);
    smtp.accepting = true;
    await until(
      async () => !/mizan\.mail_link/.test((await a.command("jobs", "list", "--state", "queued")) + (await a.command("jobs", "list", "--state", "running"))),
      30_000,
      "the mail job is done",
    );
    // Only the notice of the new password reaches her: it carries no link to use.
    const toAda = smtp.received.filter((mail) => mail.includes("ada6@example.com"));
    assert.ok(
      toAda.every((mail) => mail.includes("Subject: Your password was changed")),
      "no link mailed after the links were voided",
    );
    closed(6, "a queued link mail after every link was voided");
  }

  // 7. Signing out closes that session's sockets, and no other.
  {
    const ada = new Visitor(a, "203.0.113.7");
    await ada.signUp("ada7@example.com");
    const elsewhere = new Visitor(a, "203.0.113.7");
    assert.equal(await elsewhere.logIn("ada7@example.com"), 200);
    const [mine, theirs] = [await openChat(ada), await openChat(elsewhere)];
    assert.deepEqual([mine.status, theirs.status], [101, 101]);
    assert.equal((await ada.call("logout")).status, 200);
    assert.ok(await within(mine.closed, 2000), "the signed-out session's socket closes");
    assert.ok(!(await within(theirs.closed, 500)), "the other session's stays");
    mine.socket.destroy();
    theirs.socket.destroy();
    closed(7, "ending a session reaches its open connections");
  }

  // 8. Abuse: contact messages, connections per user, and logins that slow the attacker.
  {
    const writer = new Visitor(a, "203.0.113.8");
    let status;
    for (let i = 0; i <= 10; i++) {
      ({ status } = await writer.call("contact.submit", { name: "W", email: "w@example.com", subject: `Subject ${i}`, message: "A message long enough to send." }));
    }
    assert.equal(status, 429, "the 11th contact message in an hour");

    const ada = new Visitor(a, "203.0.113.88");
    await ada.signUp("ada8@example.com");
    const sockets = [];
    for (let i = 0; i < 20; i++) sockets.push(await openChat(ada));
    assert.ok(sockets.every((s) => s.status === 101));
    const extra = await openChat(ada);
    assert.equal(extra.status, 429, "the 21st connection of one user");
    for (const s of [...sockets, extra]) s.socket.destroy();

    const attacker = new Visitor(a, "203.0.113.66");
    for (let i = 0; i < 10; i++) status = await attacker.logIn("ada8@example.com", "wrong password!");
    assert.equal(status, 429, "the attacker is slowed");
    assert.equal(await new Visitor(a, "198.51.100.8").logIn("ada8@example.com"), 200, "the owner is not");
    closed(8, "abuse limits (contact form, connections per user, login lockout)");
  }
} finally {
  for (const server of started) server.close();
}
