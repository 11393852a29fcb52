import { byId, element } from "./dom.js";

/** The topic chips: add with the field, remove with ×; every change is reported in one call. */
export class TopicsEditor {
  readonly #list = byId<HTMLUListElement>("topics");
  readonly #input = byId<HTMLInputElement>("topic-input");
  #topics: string[];

  constructor(
    initial: string[],
    private readonly onChange: (topics: string[]) => void,
    private readonly onRefused: (message: string) => void,
  ) {
    this.#topics = initial;
    byId("add-topic").addEventListener("click", () => this.#addFromInput());
    this.#input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      this.#addFromInput();
    });
    this.#render();
  }

  get topics(): string[] {
    return [...this.#topics];
  }

  #addFromInput(): void {
    const added = this.#input.value.split(",").map((t) => t.trim()).filter((t) => t !== "" && !this.#topics.includes(t));
    this.#input.value = "";
    if (added.length > 0) this.#set([...this.#topics, ...added]);
  }

  #remove(topic: string): void {
    if (this.#topics.length === 1) return this.onRefused("A connection needs at least one topic: add another first.");
    this.#set(this.#topics.filter((t) => t !== topic));
  }

  #set(topics: string[]): void {
    this.#topics = topics;
    this.#render();
    this.onChange(this.topics);
  }

  #render(): void {
    this.#list.replaceChildren(
      ...this.#topics.map((topic) => {
        const chip = element("li", "");
        const remove = element("button", "", "×") as HTMLButtonElement;
        remove.type = "button";
        remove.setAttribute("aria-label", `unsubscribe from ${topic}`);
        remove.addEventListener("click", () => this.#remove(topic));
        chip.append(element("span", "", topic), remove);
        return chip;
      }),
    );
    const publishTopic = byId<HTMLInputElement>("publish-topic");
    if (!this.#topics.includes(publishTopic.value)) publishTopic.value = this.#topics[0] ?? "";
  }
}
