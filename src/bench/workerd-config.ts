import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A workerd config (capnp text) that runs a `wrangler deploy --dry-run`
 * bundle as Cloudflare would: the Worker, its TopicObject namespace (and
 * RelayObject, in bundles that have it) with SQLite storage on local disk, the settings as text bindings. No wrangler
 * proxy, no dev server: the runtime alone, so its CPU and RSS are Herald's.
 * It is written beside the bundle: embed paths are relative to the config.
 */
export interface WorkerdSite {
  /** The dry run's output: worker.js and the text modules it imports. */
  bundleDir: string;
  /** Where the Durable Objects' SQLite files go. */
  storageDir: string;
  port: number;
  compatibilityDate: string;
  vars: Record<string, string>;
}

const capnpText = (value: string) => JSON.stringify(value);

/** wrangler.toml's Durable Object bindings: binding, class, and a key naming its storage. */
const OBJECT_CLASSES = [
  ["TOPICS", "TopicObject", "topics"],
  ["RELAYS", "RelayObject", "relays"],
  ["PUBLISHERS", "PublisherObject", "publishers"],
  ["STREAM_OWNERS", "StreamOwnerObject", "stream-owners"],
] as const;

export function writeWorkerdConfig(site: WorkerdSite): string {
  const textModules = readdirSync(site.bundleDir).filter((file) => /\.(sql|html)$/.test(file));
  // A build from before relays (the bench's --before) has only some of the object classes to bind.
  const bundle = readFileSync(join(site.bundleDir, "worker.js"), "utf8");
  const objects = OBJECT_CLASSES.filter(([, className]) => bundle.includes(className));
  const modules = [
    `(name = "worker.js", esModule = embed "worker.js")`,
    ...textModules.map((file) => `(name = ${capnpText(file)}, text = embed ${capnpText(file)})`),
  ];
  const bindings = [
    ...Object.entries(site.vars).map(([name, value]) => `(name = ${capnpText(name)}, text = ${capnpText(value)})`),
    ...objects.map(([binding, className]) => `(name = ${capnpText(binding)}, durableObjectNamespace = ${capnpText(className)})`),
  ];
  const namespaces = objects.map(
    ([, className, key]) => `(className = ${capnpText(className)}, uniqueKey = ${capnpText(`herald-bench-${key}`)}, enableSql = true)`,
  );
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "herald", worker = .herald),
    (name = "storage", disk = (path = ${capnpText(site.storageDir)}, writable = true)),
  ],
  sockets = [(name = "http", address = ${capnpText(`127.0.0.1:${site.port}`)}, http = (), service = "herald")],
);

const herald :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = ${capnpText(site.compatibilityDate)},
  bindings = [
    ${bindings.join(",\n    ")}
  ],
  durableObjectNamespaces = [${namespaces.join(", ")}],
  durableObjectStorage = (localDisk = "storage"),
);
`;
  const path = join(site.bundleDir, "workerd.capnp");
  writeFileSync(path, config);
  return path;
}
