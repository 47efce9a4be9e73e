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
 * Signs in with a password and returns the session cookie to give `apiClient`. Non-browser
 * clients authenticate with this cookie today (bearer tokens are a place left in the
 * document's security schemes).
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const { response, error } = await apiClient(baseUrl).POST("/api/login.submit", {
    body: { email, password },
  });
  if (error) {
    throw new Error(`sign-in refused (${response.status}): ${JSON.stringify(error)}`);
  }
  const session = response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0] ?? "")
    .find((pair) => /^[^=]*_session=/.test(pair));
  if (!session) {
    throw new Error("sign-in answered without a session cookie");
  }
  return session;
}
