import { positionOf, type HeraldEvent, type HeraldGap } from "../client/index.js";
import { byId, element } from "./dom.js";

/** Rows kept on the page; older ones are dropped so a busy topic cannot grow the page without end. */
const MAX_ROWS = 300;

/** The list of what arrived, newest first: events, gaps, and the stream's own notices. */
export class Feed {
  readonly #list = byId<HTMLOListElement>("events");
  readonly #count = byId("event-count");
  readonly #empty = byId("empty");
  #events = 0;

  event(event: HeraldEvent): void {
    const row = this.#row("event", event.topic, event.event);
    const id = positionOf(event.id, event.topic) ?? event.id;
    row.querySelector(".meta")!.append(element("code", "id", id));
    row.title = `cursor: ${event.id}`;
    row.append(element("pre", "data", event.data));
    this.#events += 1;
    this.#count.textContent = String(this.#events);
  }

  gap(gap: HeraldGap): void {
    const row = this.#row("event gap", gap.topic, "gap");
    const gone = gap.reason === "trimmed" ? "are no longer in the hub's log" : "could not be found (unknown id)";
    row.append(element("div", "", `Events of ${gap.topic} after ${gap.requested} ${gone}: an app would refetch its state now.`));
  }

  notice(topic: string, text: string): void {
    this.#row("event notice", topic, text);
  }

  clear(): void {
    this.#list.replaceChildren();
    this.#events = 0;
    this.#count.textContent = "0";
    this.#empty.hidden = false;
  }

  #row(className: string, topic: string, name: string): HTMLElement {
    const row = element("li", className);
    row.dataset["topic"] = topic;
    row.dataset["event"] = name;
    const meta = element("div", "meta");
    const time = element("time", "", clock(new Date()));
    meta.append(element("span", "topic", topic), element("span", "name", name), time);
    row.append(meta);
    this.#list.prepend(row);
    while (this.#list.childElementCount > MAX_ROWS) this.#list.lastElementChild!.remove();
    this.#empty.hidden = true;
    return row;
  }
}

function clock(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}
