/** Publishes one event as a backend would: JSON body, token in the Authorization header. */
export async function publish(base: string, topic: string, event: string, dataText: string, token: string): Promise<string> {
  const response = await fetch(`${base}/topics/${encodeURIComponent(topic)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ ...(event === "" ? {} : { event }), data: parseData(dataText) }),
  });
  const body = (await response.json().catch(() => ({}))) as { id?: string; delivered?: number; error?: string; message?: string };
  if (response.status === 201) return `published ${body.id} to ${body.delivered} stream(s)`;
  return `refused (${response.status} ${body.error ?? ""}): ${body.message ?? "no reason given"}`;
}

/** Valid JSON is sent as JSON; anything else as a string. */
function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
