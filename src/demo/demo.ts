import { connect, type HeraldClient, type HeraldClientError, type HeraldEvent } from "../client/index.js";
import { byId, element } from "./dom.js";
import { Feed } from "./feed.js";
import { publish } from "./publish.js";
import { fetchToken, tokenSource } from "./token-source.js";
import { TopicsEditor } from "./topics-editor.js";

/**
 * The page `GET /` serves: the hub at work through the browser client.
 * Settings may come in the URL's fragment, which never reaches a server:
 * `#token=...&topics=a,b&tokenUrl=...&events=update,other`.
 */
const settings = new URLSearchParams(location.hash.slice(1));
// Read once: the token must not stay in the address bar (or in the history, a screenshot, a shared link).
if (location.hash !== "") history.replaceState(null, "", location.pathname + location.search);
const hub = location.origin;
/** A password field: the token is a credential, not text to show. */
const tokenField = byId<HTMLInputElement>("token");
const tokenUrlField = byId<HTMLInputElement>("token-url");
const namesField = byId<HTMLInputElement>("event-names");
const errorBox = byId("error");
const feed = new Feed();

tokenField.value = settings.get("token") ?? "";
tokenUrlField.value = settings.get("tokenUrl") ?? "";
if (tokenUrlField.value !== "") byId<HTMLDetailsElement>("more").open = true;
// An empty `events=` would leave only unnamed events listened for while the page says "open".
namesField.value = settings.get("events") || namesField.value;

let client: HeraldClient | undefined;
let gaps = 0;

const linkTopics = (settings.get("topics") ?? "").split(",").map((t) => t.trim()).filter(Boolean);
if (settings.has("topics") && linkTopics.length === 0) feed.notice("", "the link names no topics: showing demo");
const topics = new TopicsEditor(
  linkTopics.length > 0 ? linkTopics : ["demo"],
  (next) => {
    if (client && client.state !== "closed") client.setTopics(next);
  },
  (message) => showMessage("retry", message),
);

function eventNames(): string[] {
  return [...new Set(["message", ...namesField.value.split(/[\s,]+/).filter(Boolean)])];
}

function start(): void {
  client?.close();
  showMessage(undefined);
  gaps = 0;
  const current = connect({ url: hub, topics: topics.topics, token: tokenSource(tokenField, tokenUrlField) });
  client = current;
  const mine = (handler: (event: HeraldEvent) => void) => (event: HeraldEvent) => {
    if (current === client) handler(event);
  };
  for (const name of eventNames()) current.on(name, mine((event) => feed.event(event)));
  current.on("herald.open", mine((event) => feed.notice("", `stream open: ${event.json<{ topics: string[] }>().topics.join(", ")}`)));
  current.on("herald.expired", mine(() => feed.notice("", "token expired")));
  current.on("herald.replaced", mine(() => feed.notice("", "replaced by a newer stream of the same user")));
  current.onGap((gap) => {
    if (current !== client) return;
    gaps += 1;
    feed.gap(gap);
    renderStatus();
  });
  // A drop and its resume are shown in the list, between the events they come between.
  let phase: "new" | "open" | "dropped" = "new";
  current.onState(() => {
    if (current !== client) return;
    if (current.state === "connecting" && phase === "open") {
      phase = "dropped";
      feed.notice("", "connection lost: resuming from the last event");
    }
    if (current.state === "open") {
      if (phase === "dropped") feed.notice("", "resumed: what was missed follows, none twice");
      phase = "open";
      showMessage(undefined);
    }
    renderStatus();
  });
  current.onError((error) => {
    if (current === client) showError(error);
  });
  renderStatus();
}

function renderStatus(): void {
  const state = client?.state ?? "closed";
  const badge = byId("state");
  badge.dataset["state"] = state;
  badge.textContent = state;
  byId("reconnects").textContent = String(client?.reconnects ?? 0);
  byId("gaps").textContent = String(gaps);
}

const HINTS: Record<string, string> = {
  unauthorized: "Paste a token (npm start prints a link that fills one in), or give a token URL, then Connect.",
  invalid_token: "Paste a fresh token, or give a token URL so the page can fetch one, then Connect.",
  token_expired: "Paste a fresh token, or give a token URL so the page can refresh it by itself, then Connect.",
  forbidden: "Remove that topic, or use a token that may read it, then Connect.",
  replaced: "This page's stream was closed for a newer one of the same user (another tab?). Connect to take it back.",
};

function showError(error: HeraldClientError): void {
  if (!error.fatal) return showMessage("retry", `Retrying: ${error.message}`);
  showMessage("fatal", `${error.message}. ${HINTS[error.code] ?? ""}`.trim(), `Stopped (${error.code}): `);
}

function showMessage(kind: "fatal" | "retry" | undefined, text = "", lead = ""): void {
  errorBox.hidden = kind === undefined;
  if (kind === undefined) return;
  errorBox.dataset["kind"] = kind;
  errorBox.replaceChildren(element("strong", "", lead), document.createTextNode(text));
}

byId("connect-form").addEventListener("submit", (event) => {
  event.preventDefault();
  start();
});
byId("disconnect").addEventListener("click", () => {
  client?.close();
  renderStatus();
});
byId("clear").addEventListener("click", () => feed.clear());

byId("publish-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void publishFromForm();
});

async function publishFromForm(): Promise<void> {
  const result = byId("publish-result");
  const name = byId<HTMLInputElement>("publish-event").value.trim();
  if (name !== "" && !eventNames().includes(name)) {
    namesField.value = `${namesField.value.trim()} ${name}`.trim();
    client?.on(name, (event) => feed.event(event));
  }
  result.textContent = "publishing…";
  try {
    if (tokenField.value.trim() === "" && tokenUrlField.value.trim() !== "") {
      tokenField.value = await fetchToken(tokenUrlField.value.trim());
    }
    const topic = byId<HTMLInputElement>("publish-topic").value.trim();
    const data = byId<HTMLTextAreaElement>("publish-data").value;
    result.textContent = await publish(hub, topic, name, data, tokenField.value.trim());
  } catch (error) {
    result.textContent = `failed: ${(error as Error).message}`;
  }
}

start();
