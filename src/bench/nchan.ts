import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * nginx + nchan, Debian's packages: finding (or installing) them, and the
 * config the bench runs them with. One worker process, like the single
 * Node process it is compared with, and a 1,000-message buffer per channel,
 * like Herald's default HISTORY_LIMIT.
 */
const MODULE_DIRS = ["/usr/lib/nginx/modules", "/usr/share/nginx/modules"];
const PACKAGES = ["nginx-light", "libnginx-mod-nchan"];

export interface NchanInstall {
  nginx: string;
  module: string;
  nginxVersion: string;
  nchanPackage: string;
}

function find(): NchanInstall | undefined {
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
  const module = MODULE_DIRS.map((d) => join(d, "ngx_nchan_module.so")).find((p) => existsSync(p));
  if (!nginx || !module) return undefined;
  const version = spawnSync(nginx, ["-v"], { encoding: "utf8" });
  const nginxVersion = (version.stderr || version.stdout).trim().replace(/^nginx version:\s*/, "");
  let nchanPackage = "unknown";
  try {
    nchanPackage = execFileSync("dpkg-query", ["-W", "-f=${Version}", "libnginx-mod-nchan"], { encoding: "utf8" }).trim();
  } catch {
    // not installed through dpkg; the module file is all we need
  }
  return { nginx, module, nginxVersion, nchanPackage };
}

/** Finds nginx and the nchan module, installing them with apt-get if allowed; else says why not. */
export function ensureNchan(log: (line: string) => void): NchanInstall | string {
  const found = find();
  if (found) return found;
  if (process.getuid?.() !== 0) return `nginx/nchan not installed and not root: apt-get install -y ${PACKAGES.join(" ")}`;
  log(`installing ${PACKAGES.join(" ")} with apt-get (at most 5 minutes)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-q", ...PACKAGES], { env, timeout: 300_000, encoding: "utf8" });
  let result = install();
  if (result.status !== 0) {
    spawnSync("apt-get", ["update", "-q"], { env, timeout: 300_000 });
    result = install();
  }
  return find() ?? `could not install ${PACKAGES.join(" ")}: ${(result.stderr ?? String(result.error)).trim().slice(-300)}`;
}

/** Writes nginx.conf (and the dirs nginx wants) under `dir`; returns the conf path. */
export function writeNchanConf(dir: string, install: NchanInstall, port: number): string {
  for (const sub of ["logs", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
  const conf = `# written by src/bench/nchan.ts
load_module ${install.module};
worker_processes 1;
worker_rlimit_nofile 30000;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events {
  worker_connections 25000;
}
http {
  access_log off;
  # nginx closes a keep-alive connection after 1,000 requests by default; the
  # Node targets never do, so the publishers' connections would cost nchan alone.
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  # Shared memory for messages; 1,000 x 256-byte messages x 1,000 topics fits.
  nchan_max_reserved_memory 512M;
  nchan_message_buffer_length 1000;
  nchan_message_timeout 1h;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /health { return 200 "ok\\n"; }
    # Subscribers: EventSource only. A new subscriber gets only new messages
    # (as with Herald); Last-Event-ID resumes from nchan's own ids.
    location ~ ^/sub/([A-Za-z0-9_.:@-]+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      nchan_subscriber_first_message newest;
      nchan_eventsource_ping_interval 25;
    }
    location ~ ^/pub/([A-Za-z0-9_.:@-]+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 1000;
      nchan_message_timeout 1h;
    }
  }
}
`;
  const path = join(dir, "nginx.conf");
  writeFileSync(path, conf);
  return path;
}
