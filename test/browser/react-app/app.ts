import { createElement as h, useState } from "react";
import { createRoot } from "react-dom/client";
import { useHerald } from "../../../src/react/index.js";

/**
 * A tiny React app for the hook's browser test: a feed that mounts and
 * unmounts with a button. Settings come in the URL's fragment.
 */
const settings = new URLSearchParams(location.hash.slice(1));

function Feed() {
  const [items, setItems] = useState<string[]>([]);
  const { state } = useHerald<{ update: unknown }>({
    url: location.origin,
    topics: [settings.get("topic")!],
    token: async () => settings.get("token")!,
    on: { update: (event) => setItems((list) => [...list, event.data]) },
  });
  return h(
    "section",
    null,
    h("p", { id: "hook-state" }, state),
    h("ul", { id: "hook-events" }, ...items.map((data, i) => h("li", { key: i }, data))),
  );
}

function App() {
  const [mounted, setMounted] = useState(true);
  return h(
    "main",
    null,
    h("button", { id: "toggle", onClick: () => setMounted((m) => !m) }, mounted ? "unmount" : "mount"),
    mounted ? h(Feed) : h("p", { id: "unmounted" }, "unmounted"),
  );
}

createRoot(document.getElementById("root")!).render(h(App));
