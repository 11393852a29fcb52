import type { Page } from "playwright-core";

/** The demo page as a person sees it: what it shows, read from the DOM. */
export class DemoPage {
  /** Every /stream request the page made: EventSources and the client's probes. */
  readonly streamRequests: string[] = [];

  constructor(readonly page: Page) {
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/stream") this.streamRequests.push(request.url());
    });
  }

  /** Opens `GET /` with settings in the fragment (never sent to the hub). */
  async open(hub: string, settings: Record<string, string>): Promise<this> {
    await this.page.goto(`${hub}/#${new URLSearchParams(settings)}`);
    return this;
  }

  state(): Promise<string | null> {
    return this.page.locator("#state").textContent();
  }

  async waitForState(state: "open" | "connecting" | "closed", ms = 10_000): Promise<void> {
    await this.page.locator(`#state[data-state="${state}"]`).waitFor({ timeout: ms });
  }

  /** The data of the event rows of `topic`, oldest first. */
  async dataOf(topic: string): Promise<string[]> {
    const rows = this.page.locator(`#events li.event:not(.notice):not(.gap)[data-topic="${topic}"] .data`);
    return (await rows.allTextContents()).reverse();
  }

  async waitForData(topic: string, count: number, ms = 10_000): Promise<string[]> {
    const rows = this.page.locator(`#events li.event:not(.notice):not(.gap)[data-topic="${topic}"]`);
    await rows.nth(count - 1).waitFor({ timeout: ms });
    return this.dataOf(topic);
  }

  async reconnects(): Promise<number> {
    return Number(await this.page.locator("#reconnects").textContent());
  }

  /** The error banner's text, once it shows. */
  async errorText(ms = 10_000): Promise<string> {
    const banner = this.page.locator("#error");
    await banner.waitFor({ state: "visible", timeout: ms });
    return (await banner.textContent()) ?? "";
  }

  async publishFromForm(topic: string, data: string): Promise<string> {
    await this.page.fill("#publish-topic", topic);
    await this.page.fill("#publish-data", data);
    await this.page.click("#publish");
    const result = this.page.locator("#publish-result", { hasText: /published|refused|failed/ });
    await result.waitFor({ timeout: 10_000 });
    return (await result.textContent()) ?? "";
  }
}
