import type { TokenSource } from "../client/index.js";

/**
 * The token the page connects with: fetched from the token URL when one is
 * given (that is what lets the client refresh it), else the pasted one.
 * A fetched token is written into the token field, so publishing uses it too.
 */
export function tokenSource(tokenField: HTMLInputElement, urlField: HTMLInputElement): TokenSource | undefined {
  const url = urlField.value.trim();
  if (url !== "") {
    return async () => {
      const token = await fetchToken(url);
      tokenField.value = token;
      return token;
    };
  }
  const token = tokenField.value.trim();
  return token === "" ? undefined : token;
}

/** The endpoint may answer the token as plain text or as `{"token": "..."}`. */
export async function fetchToken(url: string): Promise<string> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`the token URL answered ${response.status}`);
  const text = (await response.text()).trim();
  return text.startsWith("{") ? String((JSON.parse(text) as { token?: unknown }).token ?? "") : text;
}
