// Calls a running server through the generated client: `MIZAN_URL` (the server) and
// `MIZAN_EMAIL` / `MIZAN_PASSWORD` (a superuser on it), as `scripts/api-test` sets them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { type AppError, apiClient, type components, signIn } from "../src/index.js";

const baseUrl = process.env.MIZAN_URL ?? "http://127.0.0.1:3000";
const api = apiClient(baseUrl);

test("echo sends the text back", async () => {
  const { data, error, response } = await api.POST("/api/echo", { body: { text: "héllo, wörld" } });
  assert.equal(response.status, 200);
  assert.equal(error, undefined);
  const reply: components["schemas"]["EchoReply"] | undefined = data;
  assert.deepEqual(reply, { message: "héllo, wörld" });
});

test("a form's validate answers 422 with the fields at fault", async () => {
  const { data, error, response } = await api.POST("/api/contact.validate", {
    body: { name: "Ada", email: "not an address", subject: "Hi", message: "Too short" },
  });
  assert.equal(response.status, 422);
  assert.equal(data, undefined);
  const refusal: AppError | undefined = error;
  assert.ok(refusal && refusal.error === "validation", JSON.stringify(refusal));
  assert.deepEqual(Object.keys(refusal.fields).sort(), ["email", "message", "subject"]);
});

test("a function behind a level answers 401 without a session", async () => {
  const { error, response } = await api.POST("/api/account_summary");
  assert.equal(response.status, 401);
  assert.deepEqual(error, { error: "unauthenticated" });
});

test("a signed-in call answers for the caller", async () => {
  const email = process.env.MIZAN_EMAIL;
  const password = process.env.MIZAN_PASSWORD;
  assert.ok(email && password, "set MIZAN_EMAIL and MIZAN_PASSWORD (a superuser)");
  const signedIn = apiClient(baseUrl, await signIn(baseUrl, email, password));
  const { data, response } = await signedIn.POST("/api/account_summary");
  assert.equal(response.status, 200);
  assert.equal(data?.email, email);
  assert.equal(data?.role, "superuser");
  // A level the caller has: the staff-only list includes them.
  const users = await signedIn.POST("/api/list_users");
  assert.equal(users.response.status, 200);
  assert.ok(users.data?.some((user) => user.email === email && user.is_superuser));
});
