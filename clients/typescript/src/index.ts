/**
 * A typed client of the app's API. `api.d.ts` is generated from `/api/openapi.json`
 * (`npm run generate`); openapi-fetch turns it into typed calls:
 *
 * ```ts
 * const api = apiClient("https://example.com");
 * const { data, error } = await api.POST("/api/echo", { body: { text: "hi" } });
 * ```
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./api.js";

export type { components, paths };

/** The typed error every function answers with, tagged by `error`. */
export type AppError = components["schemas"]["AppError"];

/** A client of the API at `baseUrl`; `cookie` is the session cookie of a signed-in user. */
export function apiClient(baseUrl: string, cookie?: string): Client<paths> {
  return createClient<paths>({
    baseUrl,
    headers: cookie ? { cookie } : {},
  });
}

/**
 * Signs in with a password and returns the session cookie to give `apiClient`. An account
 * with two-factor sign-in also needs `code`: one its authenticator app shows, or one of its
 * recovery codes. Non-browser clients authenticate with this cookie today (bearer tokens
 * are a place left in the document's security schemes).
 */
export async function signIn(
  baseUrl: string,
  email: string,
  password: string,
  code?: string,
): Promise<string> {
  const first = await apiClient(baseUrl).POST("/api/login.submit", {
    body: { email, password },
  });
  if (first.error) {
    throw new Error(`sign-in refused (${first.response.status}): ${JSON.stringify(first.error)}`);
  }
  if (first.data.outcome === "signed_in") {
    return sessionCookie(first.response);
  }
  if (code === undefined) {
    throw new Error("this account asks for a second factor: pass a code");
  }
  const second = await apiClient(baseUrl, sessionCookie(first.response)).POST(
    "/api/second_factor.submit",
    { body: { code } },
  );
  if (second.error) {
    throw new Error(`code refused (${second.response.status}): ${JSON.stringify(second.error)}`);
  }
  return sessionCookie(second.response);
}

/** The session cookie a response sets, as a `Cookie` header's pair. */
function sessionCookie(response: Response): string {
  const session = response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0] ?? "")
    .find((pair) => /^[^=]*_session=/.test(pair));
  if (!session) {
    throw new Error("sign-in answered without a session cookie");
  }
  return session;
}
